// Datastore migrations as map-only jobs: map over the entities of a kind (optionally filtered),
// let a migration say what should change, and write the changes back through output.entities() —
// keyed upserts and deletes in commits of at most 500. Keyed writes are idempotent, and a migration
// states the wanted end state ("set these values", "remove these properties"), not a delta, so a
// retried task or a second run rewrites nothing: only entities that still differ count as changed.
//
// Counters: entities-seen, entities-changed, entities-deleted. With --param dryRun=true nothing is
// written; the counters say what would change and the "report" output lists it (at most
// REPORT_LIMIT entries per task attempt, to stay small).

import { defineJob, input, output, param } from '../src/index.ts';
import type { Job, JobContext } from '../src/core/job.ts';
import type { ParamSchema, ParamValues } from '../src/core/params.ts';
import type { Entity, EntityValue, PropertyFilter } from '../src/index.ts';
import { keepStoredTypes, sameValue } from '../src/index.ts';

/** What a migration wants for one entity: its end state, not a delta (see above). */
export type Change = { set?: Record<string, EntityValue>; remove?: readonly string[] } | { delete: true };

export interface MigrationParams {
  dryRun: boolean;
}

export interface MigrationDefinition<S extends ParamSchema> {
  name: string;
  description: string;
  params: S;
  /** The kind to map over, from the params. */
  kind: (params: ParamValues<S>) => string;
  /** Datastore filters, e.g. only entities still on an old version (needs an index for inequalities). */
  filters?: (params: ParamValues<S>) => readonly PropertyFilter[];
  /** The change for one entity, or undefined to leave it. */
  migrate(entity: Entity, params: ParamValues<S>): Change | undefined;
  shards?: number;
}

/** Report entries kept per task attempt: a dry run of a big kind still yields a small report. */
export const REPORT_LIMIT = 1000;

export interface ReportEntry {
  key: Entity['key'];
  action: 'update' | 'delete';
  set?: Record<string, EntityValue>;
  remove?: string[];
  dryRun: boolean;
}

/**
 * The entity after the change, with only what really changes, or undefined when the entity already
 * is as the migration wants it.
 */
export function applyChange(
  entity: Entity,
  change: Change | undefined,
):
  | { delete: true }
  | { properties: Record<string, EntityValue>; set: Record<string, EntityValue>; remove: string[] }
  | undefined {
  if (!change) return undefined;
  if ('delete' in change) return { delete: true };
  const set: Record<string, EntityValue> = {};
  for (const [name, value] of Object.entries(change.set ?? {}))
    if (!(name in entity.properties) || !sameValue(entity.properties[name]!, value)) set[name] = value;
  const remove = (change.remove ?? []).filter((name) => name in entity.properties && !(name in set));
  if (Object.keys(set).length === 0 && remove.length === 0) return undefined;
  // Untouched properties are written back exactly as stored (integers stay integers): see STORED_VALUES.
  const properties = keepStoredTypes(entity.properties, { ...entity.properties, ...set });
  for (const name of remove) delete properties[name];
  return { properties, set, remove };
}

/** Report entries per task attempt; a new attempt (or slice) starts counting again. */
const reported = new Map<string, number>();

function mayReport(ctx: JobContext): boolean {
  const id = `${ctx.runId}/${ctx.task.id}/${ctx.task.attempt}`;
  const n = reported.get(id) ?? 0;
  if (n >= REPORT_LIMIT) return false;
  if (reported.size > 10_000) reported.clear(); // a long-lived instance must not grow without bound
  reported.set(id, n + 1);
  return true;
}

export function defineMigration<S extends ParamSchema>(def: MigrationDefinition<S>): Job {
  type P = ParamValues<S> & MigrationParams;
  const params = {
    ...def.params,
    dryRun: param.boolean({
      default: false,
      description: 'Count and report the changes without writing them.',
    }),
  };
  return defineJob({
    name: def.name,
    description: def.description,
    params: params as ParamSchema,
    input: (p: Record<string, unknown>) => {
      const filters = def.filters?.(p as P);
      return input.entities(def.kind(p as P), filters ? { filters } : {});
    },
    ...(def.shards !== undefined ? { shards: def.shards } : {}),
    map(
      entity: Entity,
      emit: (record: unknown, output?: string) => void,
      ctx: JobContext<Record<string, unknown>>,
    ) {
      const p = ctx.params as P;
      ctx.count('entities-seen');
      const result = applyChange(entity, def.migrate(entity, p));
      if (!result) return;
      const isDelete = 'delete' in result;
      ctx.count(isDelete ? 'entities-deleted' : 'entities-changed');
      if (!p.dryRun)
        emit(
          isDelete ? { delete: entity.key } : { key: entity.key, properties: result.properties },
          'entities',
        );
      if (p.dryRun && mayReport(ctx as JobContext)) {
        const entry: ReportEntry = isDelete
          ? { key: entity.key, action: 'delete', dryRun: true }
          : { key: entity.key, action: 'update', set: result.set, remove: result.remove, dryRun: true };
        emit(entry, 'report');
      }
    },
    outputs: { entities: output.entities(), report: output.ndjson() },
  });
}
