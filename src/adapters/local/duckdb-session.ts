// One short DuckDB session: open the file, run in UTC, close it again (DuckDB keeps the whole file
// locked while an instance is open). Used by DuckDbWarehouse for every operation.

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from './duckdb-api.ts';
import { TransientError } from '../../core/errors.ts';

export async function session<T>(
  path: string,
  options: Record<string, string>,
  body: (db: DuckDBConnection) => Promise<T>,
  lockTimeoutMillis = 0,
): Promise<T> {
  const instance = await openInstance(path, options, lockTimeoutMillis);
  try {
    const db = await instance.connect();
    try {
      await db.run("SET TimeZone = 'UTC'");
      return await body(db);
    } finally {
      db.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

// Our lock file keeps our own processes apart; this retry covers other DuckDB users of the file
// (the duckdb CLI, a notebook) that only take DuckDB's lock.
async function openInstance(
  path: string,
  options: Record<string, string>,
  timeoutMillis: number,
): Promise<DuckDBInstance> {
  const started = Date.now();
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await duckdb.DuckDBInstance.create(path, options);
    } catch (err) {
      const message = (err as Error).message;
      if (!/Could not set lock|Conflicting lock/i.test(message)) throw err;
      if (Date.now() - started >= timeoutMillis) {
        throw new TransientError(`The warehouse file ${path} is locked by another program: ${message}`, {
          cause: err,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
