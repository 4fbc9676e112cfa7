// DatastoreEntityStore: user entities in Firestore in Datastore mode, as job input (queries, key
// ranges for parallel reads), job output (keyed upserts, idempotent) and ingest target. Value
// conversion rules are in datastore-entity-codec.ts.

import type { Datastore, Key } from '@google-cloud/datastore';
import { PropertyFilter } from '@google-cloud/datastore';
import { ConfigError } from '../../core/errors.ts';
import type { Entity, EntityKey, EntityQuery, EntityStore, KeyRange } from '../../ports/entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../ports/entity-store.ts';
import { backendError } from './backend-errors.ts';
import { createDatastore } from './datastore-client.ts';
import type { DatastoreClientOptions } from './datastore-client.ts';
import { EntityCodec, WRAP_NUMBERS, compareKeys } from './datastore-entity-codec.ts';
import type { DatastoreEntity } from './datastore-entity-codec.ts';
import { splitPoints } from './key-splitter.ts';

export interface DatastoreEntityStoreOptions extends DatastoreClientOptions {
  /** Share a client; when set, projectId/apiEndpoint/databaseId are ignored. */
  datastore?: Datastore;
  /** Properties stored and filtered as int64 instead of double (see datastore-entity-codec.ts). */
  integerProperties?: readonly string[];
  /**
   * When `__scatter__` sampling returns nothing (the emulator; tiny kinds), splitKeyRanges reads up
   * to this many keys and splits on them if that covers the whole kind, else returns one range.
   */
  maxScanKeys?: number;
}

/** Keys per requested split that the scatter sample asks for (as Beam's QuerySplitter). */
const KEYS_PER_SPLIT = 32;
const LOOKUP_BATCH = 1000;

export class DatastoreEntityStore implements EntityStore {
  readonly #ds: Datastore;
  readonly #codec: EntityCodec;
  readonly #maxScanKeys: number;

  constructor(options: DatastoreEntityStoreOptions) {
    this.#ds = options.datastore ?? createDatastore(options);
    this.#codec = new EntityCodec(this.#ds, options.integerProperties);
    this.#maxScanKeys = options.maxScanKeys ?? 10_000;
  }

  async upsert(entities: readonly Entity[]): Promise<void> {
    checkBatch('upsert', entities.length);
    if (entities.length === 0) return;
    const mutations = entities.map((e) => ({
      key: this.#codec.toKey(e.key),
      data: this.#codec.encodeProperties(e.properties),
      // Strings and blobs over 1500 bytes cannot be indexed; unindex them rather than fail.
      excludeLargeProperties: true,
    }));
    try {
      await this.#ds.upsert(mutations);
    } catch (err) {
      throw backendError(err, `Upserting ${entities.length} entities of kind ${entities[0]!.key.kind}`);
    }
  }

  async delete(keys: readonly EntityKey[]): Promise<void> {
    checkBatch('delete', keys.length);
    if (keys.length === 0) return;
    try {
      await this.#ds.delete(keys.map((k) => this.#codec.toKey(k)));
    } catch (err) {
      throw backendError(err, `Deleting ${keys.length} entities of kind ${keys[0]!.kind}`);
    }
  }

  async get(keys: readonly EntityKey[]): Promise<(Entity | undefined)[]> {
    const found = new Map<string, Entity>();
    for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
      const batch = keys.slice(i, i + LOOKUP_BATCH).map((k) => this.#codec.toKey(k));
      let entities: DatastoreEntity[];
      try {
        [entities] = await this.#ds.get(batch, { wrapNumbers: WRAP_NUMBERS });
      } catch (err) {
        throw backendError(err, `Reading ${batch.length} entities`);
      }
      for (const e of entities) {
        const entity = this.#toEntity(e);
        found.set(keyId(entity.key), entity);
      }
    }
    return keys.map((k) => found.get(keyId(k)));
  }

  async *query(query: EntityQuery): AsyncIterable<Entity> {
    if (query.limit === 0) return; // Datastore reads limit 0 as "no limit"
    const stream = this.#ds.runQueryStream(this.#buildQuery(query), { wrapNumbers: WRAP_NUMBERS });
    try {
      for await (const e of stream) yield this.#toEntity(e as DatastoreEntity, query.keysOnly === true);
    } catch (err) {
      throw backendError(err, `Querying kind ${query.kind}`);
    } finally {
      stream.destroy();
    }
  }

  async splitKeyRanges(query: EntityQuery, n: number): Promise<KeyRange[]> {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new ConfigError(`splitKeyRanges needs a positive integer number of ranges; got ${n}.`);
    }
    if (n === 1) return [{}];
    const where = { kind: query.kind, namespace: query.namespace };
    let keys = (await this.#keys(where, (n - 1) * KEYS_PER_SPLIT, true)).sort(compareKeys);
    let complete = false;
    if (keys.length === 0) {
      keys = await this.#keys(where, this.#maxScanKeys + 1, false);
      if (keys.length > this.#maxScanKeys) return [{}];
      complete = true;
    }
    // A sample may repeat a key; equal split points would make empty ranges.
    const points = splitPoints(
      keys.filter((k, i) => i === 0 || compareKeys(keys[i - 1]!, k) !== 0),
      n,
      complete,
    );
    const ranges: KeyRange[] = [];
    let start: EntityKey | undefined;
    for (const end of points) {
      ranges.push(start ? { start, end } : { end });
      start = end;
    }
    ranges.push(start ? { start } : {});
    return ranges;
  }

  /** A keys-only read: a `__scatter__` sample, or the first keys in key order. */
  async #keys(
    where: { kind: string; namespace: string | undefined },
    limit: number,
    scatter: boolean,
  ): Promise<EntityKey[]> {
    let q = this.#createQuery(where.kind, where.namespace).select('__key__').limit(limit);
    if (scatter) q = q.order('__scatter__');
    try {
      const [entities] = await this.#ds.runQuery(q);
      return (entities as DatastoreEntity[]).map((e) => this.#codec.fromKey(this.#codec.keyOf(e)));
    } catch (err) {
      throw backendError(err, `Sampling keys of kind ${where.kind}`);
    }
  }

  #buildQuery(query: EntityQuery) {
    let q = this.#createQuery(query.kind, query.namespace);
    for (const f of query.filters ?? []) {
      const value =
        typeof f.value === 'number' || typeof f.value === 'bigint'
          ? this.#codec.encodeValue(f.property, f.value)
          : f.value;
      q = q.filter(new PropertyFilter(f.property, f.op, value as never));
    }
    const { start, end } = query.keyRange ?? {};
    if (start) q = q.filter(new PropertyFilter('__key__', '>=', this.#rangeKey(query, start)));
    if (end) q = q.filter(new PropertyFilter('__key__', '<', this.#rangeKey(query, end)));
    for (const o of query.orderBy ?? []) q = q.order(o.property, { descending: o.direction === 'desc' });
    if (query.keysOnly) q = q.select('__key__');
    if (query.limit !== undefined) q = q.limit(query.limit);
    return q;
  }

  #rangeKey(query: EntityQuery, key: EntityKey): Key {
    if (key.kind !== query.kind || (key.namespace ?? '') !== (query.namespace ?? '')) {
      throw new ConfigError(
        `A key range of a query on kind ${query.kind} must use keys of that kind and namespace; got ${JSON.stringify(key)}.`,
      );
    }
    return this.#codec.toKey(key);
  }

  #createQuery(kind: string, namespace: string | undefined) {
    return namespace ? this.#ds.createQuery(namespace, kind) : this.#ds.createQuery(kind);
  }

  #toEntity(e: DatastoreEntity, keysOnly = false): Entity {
    const key = this.#codec.fromKey(this.#codec.keyOf(e));
    return { key, properties: keysOnly ? {} : this.#codec.decodeProperties(e) };
  }
}

function checkBatch(what: string, count: number): void {
  if (count > MAX_MUTATIONS_PER_COMMIT) {
    throw new ConfigError(
      `${what} got ${count} mutations; one commit takes at most ${MAX_MUTATIONS_PER_COMMIT}. ` +
        `Split the entities into batches of ${MAX_MUTATIONS_PER_COMMIT}.`,
    );
  }
}

function keyId(key: EntityKey): string {
  return JSON.stringify([key.namespace ?? '', key.kind, key.id ?? null, key.name ?? null]);
}
