// Opening the local state database and running write transactions on it, safely shared by many
// connections: worker threads and processes each open their own, and SQLite's file locks order them.

import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../../core/errors.ts';

/** How long one statement waits for another connection's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MILLIS = 10_000;
/** Whole-transaction retries after SQLITE_BUSY, with doubling backoff from BUSY_BACKOFF_MILLIS. */
const BUSY_RETRIES = 5;
const BUSY_BACKOFF_MILLIS = 50;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at, run_id);
  CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, created_at, run_id);
  -- The sweeper walks RUNNING runs (listRunsPage). An index on the record's own status, not a
  -- column: databases written before it existed need no migration.
  CREATE INDEX IF NOT EXISTS runs_by_status ON runs (json_extract(record, '$.status'), run_id);
  CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    stage INTEGER NOT NULL,
    phase TEXT NOT NULL,
    idx INTEGER NOT NULL,
    state TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_id, task_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS tasks_by_position ON tasks (run_id, stage, phase, idx);
  CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (run_id, state, stage, phase);
`;

/** Opens (creating if needed) a state database; `path` may be ':memory:'. */
export function openStateDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  // Several processes may open a fresh file at once; switching it to WAL can then report busy.
  retrySync(() => {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MILLIS}`);
    db.exec('PRAGMA journal_mode = WAL');
    // FULL fsyncs the WAL on every commit. NORMAL keeps the file consistent but may forget the
    // last commits after a power cut, while their side effects (deleted tmp objects, written
    // outputs) persist; a committed task must stay committed, and commits are few.
    db.exec('PRAGMA synchronous = FULL');
    db.exec(SCHEMA);
  });
  return db;
}

/**
 * Runs `work` between BEGIN IMMEDIATE and COMMIT, rolling back if it throws. IMMEDIATE takes the
 * write lock before the first read, so a read-modify-write can never lose another connection's
 * update. When the lock stays busy past the busy timeout the whole transaction (and so `work`) is
 * retried with backoff.
 */
export async function writeTransaction<T>(db: DatabaseSync, work: () => T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return transaction(db, work);
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (attempt > BUSY_RETRIES) {
        throw new TransientError(
          `The state database stayed locked by another connection for ${attempt} attempts of ` +
            `${BUSY_TIMEOUT_MILLIS} ms; another process holds a long write transaction. Retry later.`,
          { cause: err },
        );
      }
      await sleep(BUSY_BACKOFF_MILLIS * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}

function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), including their extended codes.
  return typeof code === 'number' && [5, 6].includes(code & 0xff);
}

/** The constructor cannot await, so opening backs off by blocking briefly. */
function retrySync(work: () => void): void {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (err) {
      if (!isBusy(err) || attempt > BUSY_RETRIES) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_BACKOFF_MILLIS * 2 ** (attempt - 1));
    }
  }
}
