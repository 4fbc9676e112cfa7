// Datastore entities of one kind as input. The store cuts the key space into ranges of similar
// size (Datastore samples __scatter__, like the predecessor's DatastoreInputReader); each split
// is one key range, and a task queries its range with the job's filters.

import { ConfigError } from '../../core/errors.ts';
import type { Entity, EntityKey, EntityQuery, KeyRange, PropertyFilter } from '../../ports/entity-store.ts';
import type { InputReader } from '../types.ts';

export interface EntityInputSpec {
  readonly type: 'entities';
  readonly kind: string;
  readonly namespace?: string;
  /** Applied in every split's query; Datastore needs a composite index for inequality filters. */
  readonly filters?: readonly PropertyFilter[];
}

export interface EntityInputOptions {
  namespace?: string;
  filters?: readonly PropertyFilter[];
}

export function entitiesInput(kind: string, options: EntityInputOptions = {}): EntityInputSpec {
  const spec: EntityInputSpec = { type: 'entities', kind, ...options };
  checkEntitySpec(spec);
  return spec;
}

function checkEntitySpec(spec: EntityInputSpec): void {
  if (typeof spec.kind !== 'string' || spec.kind === '') {
    throw new ConfigError(
      `An entities input needs a kind, e.g. input.entities('Tweet'); got ${JSON.stringify(spec.kind)}.`,
    );
  }
  if (spec.filters !== undefined && !Array.isArray(spec.filters)) {
    throw new ConfigError(
      `Entities input filters must be a list like [{ property: 'lang', op: '=', value: 'en' }]; got ${JSON.stringify(spec.filters)}.`,
    );
  }
}

function baseQuery(spec: EntityInputSpec): EntityQuery {
  return {
    kind: spec.kind,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    ...(spec.filters !== undefined ? { filters: spec.filters } : {}),
  };
}

export const entitiesReader: InputReader<EntityInputSpec, Entity> = {
  type: 'entities',
  async split(spec, shards, ctx) {
    checkEntitySpec(spec);
    const ranges = await ctx.entities.splitKeyRanges(baseQuery(spec), Math.max(1, Math.floor(shards)));
    return ranges.map((range) => ({
      descriptor: jsonSafe(range),
      description: `${spec.kind} keys ${bound(range.start, 'start')} to ${bound(range.end, 'end')}`,
    }));
  },
  async *read(spec, descriptor, env) {
    checkEntitySpec(spec);
    const keyRange = descriptor as KeyRange;
    for await (const entity of env.entities.query({ ...baseQuery(spec), keyRange })) {
      yield { value: entity, position: () => `${spec.kind} ${describeKey(entity.key)}` };
    }
  },
};

/** Only the key fields, so the descriptor stays small and stores as plain JSON. */
function jsonSafe(range: KeyRange): KeyRange {
  const key = (k: EntityKey): EntityKey => ({
    kind: k.kind,
    ...(k.namespace !== undefined ? { namespace: k.namespace } : {}),
    ...(k.id !== undefined ? { id: k.id } : {}),
    ...(k.name !== undefined ? { name: k.name } : {}),
  });
  return {
    ...(range.start ? { start: key(range.start) } : {}),
    ...(range.end ? { end: key(range.end) } : {}),
  };
}

function bound(key: EntityKey | undefined, side: 'start' | 'end'): string {
  return key ? describeKey(key) : side === 'start' ? 'the first' : 'the last';
}

export function describeKey(key: EntityKey): string {
  const id =
    key.id !== undefined
      ? `id ${key.id}`
      : key.name !== undefined
        ? `name ${JSON.stringify(key.name)}`
        : '(no id)';
  return `key ${id}${key.namespace ? ` in namespace ${key.namespace}` : ''}`;
}
