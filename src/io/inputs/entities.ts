// Datastore entities of one kind as input. The store cuts the key space into ranges of similar
// size (Datastore samples __scatter__, like the predecessor's DatastoreInputReader); each split
// is one key range, and a task queries its range with the job's filters. A checkpoint is the rest
// of the range after the last key read.

import { ConfigError } from '../../core/errors.ts';
import type { Entity, EntityKey, EntityQuery, KeyRange, PropertyFilter } from '../../ports/entity-store.ts';
import type { InputReader, InputRecord } from '../types.ts';

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

/** A split is a key range; a checkpoint replaces its start by `after`, the last key read. */
interface EntitySplit extends KeyRange {
  after?: EntityKey;
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
    const { after, ...keyRange } = descriptor as EntitySplit;
    // A checkpoint resumes at the last key read, inclusive (the store's ranges are [start, end)),
    // and skips that one entity.
    const range: KeyRange = after ? { ...keyRange, start: after } : keyRange;
    // Resuming by key needs results in key order: equality filters keep it, but Datastore orders
    // results with an inequality filter by that property first, so such a task runs to its end.
    const resumable = (spec.filters ?? []).every((f) => f.op === '=');
    for await (const entity of env.entities.query({ ...baseQuery(spec), keyRange: range })) {
      if (after && sameKey(entity.key, after)) continue;
      const record: InputRecord<Entity> = {
        value: entity,
        position: () => `${spec.kind} ${describeKey(entity.key)}`,
      };
      if (resumable) {
        record.resumeAfter = (): EntitySplit => ({
          ...(keyRange.end ? { end: keyRange.end } : {}),
          after: keyFields(entity.key),
        });
      }
      yield record;
    }
  },
};

/** Only the key fields, so the descriptor stays small and stores as plain JSON. */
function keyFields(k: EntityKey): EntityKey {
  return {
    kind: k.kind,
    ...(k.namespace !== undefined ? { namespace: k.namespace } : {}),
    ...(k.id !== undefined ? { id: k.id } : {}),
    ...(k.name !== undefined ? { name: k.name } : {}),
  };
}

function jsonSafe(range: KeyRange): KeyRange {
  return {
    ...(range.start ? { start: keyFields(range.start) } : {}),
    ...(range.end ? { end: keyFields(range.end) } : {}),
  };
}

function sameKey(a: EntityKey, b: EntityKey): boolean {
  return (
    a.id === b.id && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '') && a.kind === b.kind
  );
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
