// Warehouse on one DuckDB file: the local stand-in for BigQuery that `cloudreduce query` reads.
//
// DuckDB lets one process write a file and nobody else even read it meanwhile, so the file is opened
// per operation and closed right after (a query in another process gets in between two loads), and
// queries open it read-only. A lock file serialises operations across threads and processes (see
// file-lock.ts for why DuckDB's own lock is not enough). Type mapping: duckdb-schema.ts; result
// values: duckdb-values.ts.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError, NonRetryableError, TransientError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';
import type { LoadRequest, LoadResult, Row, Warehouse } from '../../ports/warehouse.ts';
import {
  checkLoadRequest,
  compareColumns,
  createTableSql,
  literal,
  quote,
  readJsonColumns,
  selectList,
  tableName,
} from './duckdb-schema.ts';
import type { ExistingColumn, TableName } from './duckdb-schema.ts';
import { session } from './duckdb-session.ts';
import { toPlain } from './duckdb-values.ts';
import { withFileLock } from './file-lock.ts';
import { checkSources } from './ndjson-row-check.ts';
import type { Source } from './ndjson-row-check.ts';

export interface DuckDbWarehouseOptions {
  /** The database file; created on the first load. */
  path: string;
  /** Maps a LoadRequest source (an object name in the engine's blob store) to a local file path. */
  resolveSource: (name: string) => string;
  /** How long an operation waits for another one on the same file before failing as transient. */
  lockTimeoutMillis?: number;
  logger?: Logger;
}

const DEFAULT_LOCK_TIMEOUT_MILLIS = 120_000;
const STALE_LOCK_MILLIS = 30_000;
const LOADS_TABLE = '_cloudreduce_loads';
const STAGE_TABLE = '_cloudreduce_stage';

export class DuckDbWarehouse implements Warehouse {
  readonly #path: string;
  readonly #resolveSource: (name: string) => string;
  readonly #lockTimeoutMillis: number;
  readonly #logger: Logger;
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: DuckDbWarehouseOptions) {
    this.#path = options.path;
    this.#resolveSource = options.resolveSource;
    this.#lockTimeoutMillis = options.lockTimeoutMillis ?? DEFAULT_LOCK_TIMEOUT_MILLIS;
    this.#logger = (options.logger ?? silentLogger).child({ warehouse: options.path });
  }

  load(request: LoadRequest): Promise<LoadResult> {
    return this.#track(async () => {
      const table = tableName(request.table);
      checkLoadRequest(request, table);
      if (request.writeDisposition !== 'WRITE_APPEND' && request.writeDisposition !== 'WRITE_TRUNCATE') {
        throw new ConfigError(
          `Load ${JSON.stringify(request.jobId)}: writeDisposition ${JSON.stringify(request.writeDisposition)} ` +
            'must be WRITE_APPEND or WRITE_TRUNCATE.',
        );
      }
      const sources = request.sources.map((name) => ({ name, path: this.#resolveSource(name) }));
      await mkdir(dirname(this.#path), { recursive: true });
      return this.#withDatabase(false, async (db) => {
        await db.run('BEGIN TRANSACTION');
        try {
          const result = await loadInTransaction(db, request, table, sources);
          await db.run(result.loaded ? 'COMMIT' : 'ROLLBACK');
          this.#logger.debug(result.loaded ? 'loaded table' : 'load already done', {
            table: table.shown,
            jobId: request.jobId,
            rows: result.rows,
          });
          return result;
        } catch (err) {
          await db.run('ROLLBACK').catch(() => {});
          throw asLoadError(err, table);
        }
      });
    });
  }

  query(sql: string): Promise<Row[]> {
    return this.#track(() =>
      this.#withDatabase(true, async (db) => {
        try {
          const reader = await db.runAndReadAll(sql);
          return reader.getRowObjects().map((row) => {
            const out: Row = {};
            for (const [name, value] of Object.entries(row)) out[name] = toPlain(value);
            return out;
          });
        } catch (err) {
          const missing = await missingTableMessage(db, (err as Error).message);
          throw new ConfigError(`Query on ${this.#path} failed: ${missing ?? (err as Error).message}`, {
            cause: err,
          });
        }
      }),
    );
  }

  /** Waits for running operations; nothing stays open between operations, so nothing else to do. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
  }

  #track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new NonRetryableError(`The warehouse ${this.#path} is closed; open a new DuckDbWarehouse.`),
      );
    }
    const running = operation();
    this.#running.add(running);
    const forget = (): void => void this.#running.delete(running);
    running.then(forget, forget);
    return running;
  }

  async #withDatabase<T>(readOnly: boolean, body: (db: DuckDBConnection) => Promise<T>): Promise<T> {
    // Nothing loaded yet: an empty in-memory database answers (e.g. "no such table") without
    // creating the file.
    if (readOnly && !existsSync(this.#path)) return session(':memory:', {}, body);
    const lock = { timeoutMillis: this.#lockTimeoutMillis, staleMillis: STALE_LOCK_MILLIS };
    const options: Record<string, string> = readOnly ? { access_mode: 'READ_ONLY' } : {};
    return withFileLock(`${this.#path}.lock`, lock, () =>
      session(this.#path, options, body, this.#lockTimeoutMillis),
    );
  }
}

async function loadInTransaction(
  db: DuckDBConnection,
  request: LoadRequest,
  table: TableName,
  sources: readonly Source[],
): Promise<LoadResult> {
  await db.run(
    `CREATE TABLE IF NOT EXISTS ${LOADS_TABLE} (job_id VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, ` +
      'rows BIGINT NOT NULL, loaded_at TIMESTAMPTZ NOT NULL)',
  );
  const prior = await db.runAndReadAll(`SELECT rows FROM ${LOADS_TABLE} WHERE job_id = $1`, [request.jobId]);
  const [done] = prior.getRowObjects();
  if (done) return { rows: Number(done.rows), loaded: false };

  const existing = await db.runAndReadAll(
    'SELECT column_name, data_type, is_nullable FROM information_schema.columns ' +
      'WHERE lower(table_schema) = lower($1) AND lower(table_name) = lower($2) ORDER BY ordinal_position',
    [table.schema, table.name],
  );
  const columns = existing.getRowObjects() as unknown as ExistingColumn[];
  if (columns.length > 0) compareColumns(columns, request.schema, table);
  else {
    await db.run(`CREATE SCHEMA IF NOT EXISTS ${quote(table.schema)}`);
    await db.run(createTableSql(table, request.schema));
  }

  // The row check reads every line in this thread while DuckDB stages the sources on its own; a
  // bad row is reported by the check (its source, line and column, and what the column takes), not
  // by DuckDB's reader, and the transaction rolls back what was created.
  const [check, staged] = await Promise.allSettled([
    checkSources(sources, request.schema, table.shown),
    stage(db, request, table, sources),
  ]);
  if (check.status === 'rejected') throw check.reason;
  if (staged.status === 'rejected') throw staged.reason;
  const rows = staged.value;
  const inDay = partitionCondition(request);
  if (inDay) {
    const outside = await db.runAndReadAll(
      `SELECT count(*) AS n FROM ${STAGE_TABLE} WHERE (${inDay}) IS NOT TRUE`,
      [request.partition!],
    );
    const n = Number(outside.getRowObjects()[0]?.n ?? 0);
    if (n > 0) {
      throw new NonRetryableError(
        `Cannot load table "${table.shown}": ${n} of ${rows} rows have ${request.schema.partitionBy} outside ` +
          `partition ${request.partition}. A partition load may only hold rows of that day; nothing was loaded.`,
      );
    }
  }
  if (request.writeDisposition === 'WRITE_TRUNCATE') {
    await db.run(
      `DELETE FROM ${table.sql}${inDay ? ` WHERE ${inDay}` : ''}`,
      inDay ? [request.partition!] : [],
    );
  }
  const names = request.schema.columns.map((c) => quote(c.name)).join(', ');
  await db.run(`INSERT INTO ${table.sql} (${names}) SELECT ${names} FROM ${STAGE_TABLE}`);
  await db.run(`DROP TABLE ${STAGE_TABLE}`);
  await db.run(`INSERT INTO ${LOADS_TABLE} VALUES ($1, $2, $3, now())`, [request.jobId, table.shown, rows]);
  return { rows, loaded: true };
}

/** Reads the sources into a temp table typed like the target; returns its row count. */
async function stage(
  db: DuckDBConnection,
  request: LoadRequest,
  table: TableName,
  sources: readonly Source[],
): Promise<number> {
  const select =
    sources.length === 0
      ? `SELECT * FROM ${table.sql} WHERE false`
      : `SELECT ${selectList(request.schema)} FROM read_json([${sources.map((s) => literal(s.path)).join(', ')}], ` +
        `format = 'newline_delimited', columns = ${readJsonColumns(request.schema)})`;
  await db.run(`CREATE TEMP TABLE ${STAGE_TABLE} AS ${select}`);
  const counted = await db.runAndReadAll(`SELECT count(*) AS n FROM ${STAGE_TABLE}`);
  return Number(counted.getRowObjects()[0]?.n ?? 0);
}

/** With a partition: the SQL condition "row is in that day" ($1 = the day), else ''. */
function partitionCondition(request: LoadRequest): string {
  const column = request.schema.partitionBy;
  return request.partition !== undefined && column ? `CAST(${quote(column)} AS DATE) = CAST($1 AS DATE)` : '';
}

function asLoadError(err: unknown, table: TableName): unknown {
  const name = (err as { name?: unknown }).name;
  if (name === 'ConfigError' || name === 'NonRetryableError' || name === 'TransientError') return err;
  const message = err instanceof Error ? err.message : String(err);
  const Kind = /^IO Error/.test(message) ? TransientError : NonRetryableError;
  return new Kind(`Cannot load table "${table.shown}": ${message}. Nothing was loaded.`, { cause: err });
}

/**
 * For DuckDB's "Table with name X does not exist", which suggests the nearest name among all tables
 * (system views such as pg_sequences included): the tables the user has, and DuckDB's suggestion
 * only when it is one of them. Undefined for any other error.
 */
async function missingTableMessage(db: DuckDBConnection, message: string): Promise<string | undefined> {
  const name = /Table with name "?([^"!]+?)"? does not exist/.exec(message)?.[1];
  if (name === undefined) return undefined;
  const tables = await userTables(db).catch(() => undefined);
  if (tables === undefined) return undefined;
  if (tables.length === 0)
    return `there is no table ${name}: the warehouse has no tables yet (run a job with a table output first, e.g. npm start).`;
  const suggested = /Did you mean "([^"]+)"\?/.exec(message)?.[1];
  const hint = suggested !== undefined && tables.includes(suggested) ? `; did you mean ${suggested}?` : '.';
  return `there is no table ${name}${hint} Tables: ${tables.join(', ')}.`;
}

/** The tables loads created, as a query names them ("table", or "dataset.table" outside main). */
async function userTables(db: DuckDBConnection): Promise<string[]> {
  const reader = await db.runAndReadAll(
    'SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal AND NOT temporary ' +
      "ORDER BY schema_name <> 'main', schema_name, table_name",
  );
  return reader
    .getRowObjects()
    .map((r) => ({ schema: String(r.schema_name), name: String(r.table_name) }))
    .filter((t) => t.name !== LOADS_TABLE && t.name !== STAGE_TABLE)
    .map((t) => (t.schema === 'main' ? t.name : `${t.schema}.${t.name}`));
}
