// EntityStore on a SQLite file: the local stand-in for Firestore in Datastore mode. WAL and a busy
// timeout let several connections (worker threads, processes) share one file. Query semantics are
// documented in sqlite-entity-query.ts, value encoding in sqlite-entity-values.ts.

import { DatabaseSync } from 'node:sqlite';
import { ConfigError, TransientError } from '../../core/errors.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../ports/entity-store.ts';
import type { Entity, EntityKey, EntityQuery, EntityStore, KeyRange } from '../../ports/entity-store.ts';
import { describeKey, fromStoredKey, rejectDuplicates, toStoredKey } from './sqlite-entity-keys.ts';
import { checkLimit, keyPageSql, orderedIdsSql, whereClause } from './sqlite-entity-query.ts';
import { checkAndIndex, decodeProperties, encodeProperties } from './sqlite-entity-values.ts';

export interface SqliteEntityStoreOptions {
  /** Rows fetched per page while iterating a query. */
  pageSize?: number;
  /** How long a write waits for another connection's write to finish before failing as transient. */
  busyTimeoutMillis?: number;
}

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_BUSY_TIMEOUT_MILLIS = 10_000;

// `idx` holds each entity's indexed values (list elements and embedded values included), keyed by
// entity: filters probe it per entity and orderBy takes min/max per entity. There is deliberately no
// index by value: with one, every upsert batch dirtied pages all over it and writes got 10x slower.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS entities (
  id INTEGER PRIMARY KEY, ns TEXT NOT NULL, kind TEXT NOT NULL, k TEXT NOT NULL, props TEXT NOT NULL,
  UNIQUE (ns, kind, k));
CREATE TABLE IF NOT EXISTS idx (
  eid INTEGER NOT NULL, prop TEXT NOT NULL, s TEXT NOT NULL, PRIMARY KEY (eid, prop, s)) WITHOUT ROWID;
`;

export class SqliteEntityStore implements EntityStore {
  readonly #db: DatabaseSync;
  readonly #pageSize: number;
  #queries = 0;

  constructor(path: string, options: SqliteEntityStoreOptions = {}) {
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.#db = new DatabaseSync(path);
    this.#db.exec(
      `PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMillis ?? DEFAULT_BUSY_TIMEOUT_MILLIS)}`,
    );
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
    this.#write(() => this.#db.exec(SCHEMA));
  }

  async upsert(entities: readonly Entity[]): Promise<void> {
    checkBatch(entities.length, 'upsert');
    const rows = entities.map((entity, i) => {
      const where = `upsert: entity ${i}`;
      const key = toStoredKey(entity?.key, where);
      const indexed = checkAndIndex(entity.properties, `${where} (${describeKey(entity.key)})`);
      return { key, props: encodeProperties(entity.properties), indexed };
    });
    rejectDuplicates(
      rows.map((r) => r.key),
      'upsert',
    );
    const insert = this.#db.prepare(
      'INSERT INTO entities (ns, kind, k, props) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (ns, kind, k) DO UPDATE SET props = excluded.props RETURNING id',
    );
    const clear = this.#db.prepare('DELETE FROM idx WHERE eid = ?');
    const index = this.#db.prepare('INSERT OR IGNORE INTO idx (eid, prop, s) VALUES (?, ?, ?)');
    this.#write(() => {
      for (const { key, props, indexed } of rows) {
        const { id } = insert.get(key.ns, key.kind, key.sort, props) as { id: number };
        clear.run(id);
        for (const e of indexed) index.run(id, e.prop, e.sort);
      }
    });
  }

  async delete(keys: readonly EntityKey[]): Promise<void> {
    checkBatch(keys.length, 'delete');
    const stored = keys.map((key, i) => toStoredKey(key, `delete: key ${i}`));
    const find = this.#db.prepare('SELECT id FROM entities WHERE ns = ? AND kind = ? AND k = ?');
    const clear = this.#db.prepare('DELETE FROM idx WHERE eid = ?');
    const remove = this.#db.prepare('DELETE FROM entities WHERE id = ?');
    this.#write(() => {
      for (const key of stored) {
        const row = find.get(key.ns, key.kind, key.sort) as { id: number } | undefined;
        if (!row) continue;
        clear.run(row.id);
        remove.run(row.id);
      }
    });
  }

  async get(keys: readonly EntityKey[]): Promise<(Entity | undefined)[]> {
    const stored = keys.map((key, i) => toStoredKey(key, `get: key ${i}`));
    const find = this.#db.prepare('SELECT props FROM entities WHERE ns = ? AND kind = ? AND k = ?');
    return this.#read(() =>
      stored.map((key) => {
        const row = find.get(key.ns, key.kind, key.sort) as { props: string } | undefined;
        return (
          row && { key: fromStoredKey(key.ns, key.kind, key.sort), properties: decodeProperties(row.props) }
        );
      }),
    );
  }

  // Pages are short reads that resume where the last one ended, so no cursor or read transaction
  // stays open while the caller works (it may write to this store meanwhile).
  async *query(query: EntityQuery): AsyncIterable<Entity> {
    const limit = checkLimit(query);
    if (query.orderBy?.length) {
      yield* this.#orderedQuery(query, limit);
      return;
    }
    const ns = query.namespace ?? '';
    let remaining = limit;
    let after: string | undefined;
    while (remaining > 0) {
      const page = keyPageSql(query, after, Math.min(this.#pageSize, remaining));
      const rows = this.#db.prepare(page.sql).all(...page.params) as { k: string; props?: string }[];
      for (const row of rows) yield this.#entity(ns, query, row);
      remaining -= rows.length;
      after = rows.at(-1)?.k;
      if (rows.length < this.#pageSize) return;
    }
  }

  // Sorting by property values cannot resume from an index, so the sorted entity ids are computed
  // once into a temp table (private to this connection) and the entities are read from it by page.
  async *#orderedQuery(query: EntityQuery, limit: number): AsyncIterable<Entity> {
    const ns = query.namespace ?? '';
    const ids = orderedIdsSql(query, Number.isFinite(limit) ? limit : -1);
    const table = `temp.cloudreduce_query_${++this.#queries}`;
    this.#db.exec(`CREATE TEMP TABLE ${table} (pos INTEGER PRIMARY KEY, eid INTEGER NOT NULL)`);
    try {
      this.#db.prepare(`INSERT INTO ${table} (eid) ${ids.sql}`).run(...ids.params);
      const props = query.keysOnly ? '' : ', e.props AS props';
      const page = this.#db.prepare(
        `SELECT q.pos AS pos, e.k AS k${props} FROM ${table} q JOIN entities e ON e.id = q.eid ` +
          'WHERE e.ns = ? AND e.kind = ? AND q.pos > ? ORDER BY q.pos LIMIT ?',
      );
      for (let pos = 0; ;) {
        const rows = page.all(ns, query.kind, pos, this.#pageSize) as {
          pos: number;
          k: string;
          props?: string;
        }[];
        for (const row of rows) yield this.#entity(ns, query, row);
        const last = rows.at(-1);
        if (!last) return;
        pos = last.pos;
      }
    } finally {
      if (this.#db.isOpen) this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  }

  #entity(ns: string, query: EntityQuery, row: { k: string; props?: string }): Entity {
    return {
      key: fromStoredKey(ns, query.kind, row.k),
      properties: row.props === undefined ? {} : decodeProperties(row.props),
    };
  }

  async splitKeyRanges(query: EntityQuery, n: number): Promise<KeyRange[]> {
    if (!Number.isInteger(n) || n < 1) {
      throw new ConfigError(`splitKeyRanges: n must be an integer of at least 1; got ${n}.`);
    }
    const where = whereClause(query);
    const ns = query.namespace ?? '';
    // Exact quantiles of the matching keys in key order: a full sample, where Datastore's
    // __scatter__ property gives a random one.
    const cuts = this.#read(() => {
      const { count } = this.#db
        .prepare(`SELECT count(*) AS count FROM entities e WHERE ${where.sql}`)
        .get(...where.params) as { count: number };
      const positions = [
        ...new Set(Array.from({ length: n - 1 }, (_, i) => Math.floor((count * (i + 1)) / n))),
      ];
      const wanted = positions.filter((p) => p > 0 && p < count);
      if (wanted.length === 0) return [];
      const rows = this.#db
        .prepare(
          `SELECT k FROM (SELECT e.k AS k, row_number() OVER (ORDER BY e.k) - 1 AS rn FROM entities e ` +
            `WHERE ${where.sql}) WHERE rn IN (${wanted.map(() => '?').join(', ')}) ORDER BY k`,
        )
        .all(...where.params, ...wanted) as { k: string }[];
      return rows.map((r) => fromStoredKey(ns, query.kind, r.k));
    });
    const bounds: (EntityKey | undefined)[] = [query.keyRange?.start, ...cuts, query.keyRange?.end];
    return bounds.slice(1).map((end, i) => {
      const range: KeyRange = {};
      const start = bounds[i];
      if (start) range.start = start;
      if (end) range.end = end;
      return range;
    });
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  // BEGIN IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
  // deadlocking when both try to upgrade a read lock.
  #write(body: () => void): void {
    this.#transaction('BEGIN IMMEDIATE', body);
  }

  #read<T>(body: () => T): T {
    let result: T | undefined;
    this.#transaction('BEGIN', () => {
      result = body();
    });
    return result as T;
  }

  #transaction(begin: string, body: () => void): void {
    try {
      this.#db.exec(begin);
    } catch (err) {
      throw busyOr(err);
    }
    try {
      body();
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw busyOr(err);
    }
  }
}

function checkBatch(count: number, operation: string): void {
  if (count > MAX_MUTATIONS_PER_COMMIT) {
    throw new ConfigError(
      `${operation}: ${count} mutations in one call; at most ${MAX_MUTATIONS_PER_COMMIT} are allowed ` +
        `(Datastore's limit per commit). Split the call into batches of ${MAX_MUTATIONS_PER_COMMIT}.`,
    );
  }
}

function busyOr(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/database is (locked|busy)/i.test(message)) {
    return new TransientError(`The local entity store is busy (another writer holds the lock): ${message}`, {
      cause: err,
    });
  }
  return err;
}
