// An in-memory EntityStore for the simulator: keyed upserts and deletes, reads in Datastore key
// order (the local store's key encoding), key ranges, and equality filters — what the entity input
// and output of the simulated jobs use.

import { rangeBounds, toStoredKey } from '../../src/adapters/local/sqlite-entity-keys.ts';
import type { Entity, EntityKey, EntityQuery, EntityStore, KeyRange } from '../../src/ports/entity-store.ts';
import { sameValue } from '../../src/ports/entity-store.ts';

const idOf = (key: EntityKey): string => {
  const stored = toStoredKey(key, 'memory entity store');
  return `${stored.ns}\u0000${stored.kind}\u0000${stored.sort}`;
};

export class MemoryEntityStore implements EntityStore {
  readonly entities = new Map<string, Entity>();

  async upsert(entities: readonly Entity[]): Promise<void> {
    this.upsertNow(entities);
  }

  upsertNow(entities: readonly Entity[]): void {
    for (const e of entities) this.entities.set(idOf(e.key), structuredClone(e));
  }

  async delete(keys: readonly EntityKey[]): Promise<void> {
    this.deleteNow(keys);
  }

  deleteNow(keys: readonly EntityKey[]): void {
    for (const key of keys) this.entities.delete(idOf(key));
  }

  async get(keys: readonly EntityKey[]): Promise<(Entity | undefined)[]> {
    return this.getNow(keys);
  }

  getNow(keys: readonly EntityKey[]): (Entity | undefined)[] {
    return keys.map((k) => {
      const e = this.entities.get(idOf(k));
      return e && structuredClone(e);
    });
  }

  queryNow(query: EntityQuery): Entity[] {
    const bounds = rangeBounds(query, query.keyRange);
    const prefix = `${query.namespace ?? ''}\u0000${query.kind}\u0000`;
    const rows = [...this.entities.entries()]
      .filter(([id]) => id.startsWith(prefix))
      .map(([id, e]) => ({ sort: id.slice(prefix.length), e }))
      .filter(
        ({ sort }) =>
          (bounds.start === undefined || sort >= bounds.start) &&
          (bounds.end === undefined || sort < bounds.end),
      )
      .filter(({ e }) =>
        (query.filters ?? []).every((f) => {
          if (f.op !== '=')
            throw new Error(`the simulator's entity store supports only '=' filters, not '${f.op}'`);
          const v = e.properties[f.property];
          return v !== undefined && sameValue(v, f.value);
        }),
      )
      .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0))
      .map(({ e }) => structuredClone(e));
    return query.limit === undefined ? rows : rows.slice(0, query.limit);
  }

  async *query(query: EntityQuery): AsyncIterable<Entity> {
    yield* this.queryNow(query);
  }

  async splitKeyRanges(_query: EntityQuery, _n: number): Promise<KeyRange[]> {
    return [{}];
  }
}
