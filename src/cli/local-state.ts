// The local state store for commands that only read or change runs (status, abort, logs): opened
// only when a run has ever been started in the data dir. Opening a missing state.db fails with
// SQLite's bare "unable to open database file"; creating it would make a typo in --data-dir look
// like an empty history.

import { existsSync } from 'node:fs';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.ts';
import { ConfigError } from '../core/errors.ts';
import { localPaths } from '../runtime/local-adapters.ts';

/** "no runs here yet; …": what to say where no run was ever started. */
export function noRunsYet(dataDir: string): string {
  return (
    `no runs here yet; data dir ${localPaths(dataDir).root}; start one with cloudreduce run JOB ` +
    '(or point --data-dir or CLOUDREDUCE_DATA_DIR at the directory the runs are in)'
  );
}

/** The store, or undefined when no run was ever started in `dataDir`. */
export function openLocalStateIfAny(dataDir: string): SqliteStateStore | undefined {
  const path = localPaths(dataDir).state;
  return existsSync(path) ? new SqliteStateStore(path) : undefined;
}

/** The store of a data dir that must hold runs: for a command about one run (`what`). */
export function openLocalState(dataDir: string, what: string): SqliteStateStore {
  const state = openLocalStateIfAny(dataDir);
  if (!state) throw new ConfigError(`No run "${what}": ${noRunsYet(dataDir)}.`);
  return state;
}
