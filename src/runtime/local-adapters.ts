// The embedded mode's adapters, all under one data directory (default ./.cloudreduce):
//   blobs/          FileBlobStore: shuffle objects, output parts, published results
//   state.db        SqliteStateStore: runs, tasks, leases (survives a killed process)
//   entities.db     SqliteEntityStore: the local stand-in for Datastore
//   warehouse.duckdb DuckDbWarehouse: table outputs, read by `cloudreduce query`
//   scratch/        spill runs of map tasks
// Opened the same way by the main thread and by every worker thread.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as DuckDbModuleNs from '../adapters/local/duckdb-warehouse.ts';
import type { DuckDbWarehouse } from '../adapters/local/duckdb-warehouse.ts';
import { FileBlobStore } from '../adapters/local/file-blob-store.ts';
import { FsInputFiles } from '../adapters/local/fs-input-files.ts';
import { SqliteEntityStore } from '../adapters/local/sqlite-entity-store.ts';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.ts';
import type { Warehouse } from '../ports/warehouse.ts';

export interface LocalAdapters {
  dataDir: string;
  blobs: FileBlobStore;
  state: SqliteStateStore;
  entities: SqliteEntityStore;
  warehouse: Warehouse & { close(): Promise<void>; prefetch(): void };
  files: FsInputFiles;
  scratchDir: string;
  close(): Promise<void>;
}

export function localPaths(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    blobs: join(root, 'blobs'),
    state: join(root, 'state.db'),
    entities: join(root, 'entities.db'),
    warehouse: join(root, 'warehouse.duckdb'),
    scratch: join(root, 'scratch'),
  };
}

/** Where local job inputs are read from: paths and globs relative to `cwd` (also used by `run`'s pre-check). */
export function localInputFiles(cwd: string): FsInputFiles {
  return new FsInputFiles(cwd);
}

export function openLocalAdapters(dataDir: string, cwd: string = process.cwd()): LocalAdapters {
  const paths = localPaths(dataDir);
  mkdirSync(paths.blobs, { recursive: true });
  mkdirSync(paths.scratch, { recursive: true });
  const blobs = new FileBlobStore(paths.blobs);
  const state = new SqliteStateStore(paths.state);
  const entities = new SqliteEntityStore(paths.entities);
  const warehouse = lazyWarehouse(paths.warehouse, paths.blobs);
  return {
    dataDir: paths.root,
    blobs,
    state,
    entities,
    warehouse,
    files: localInputFiles(cwd),
    scratchDir: paths.scratch,
    async close() {
      await state.close?.();
      await (entities as { close?: () => Promise<void> | void }).close?.();
      await warehouse.close();
    },
  };
}

/**
 * The warehouse is loaded on first use: only finalize and queries need it, and DuckDB's native
 * module costs every worker thread ~60-70 ms of start-up for nothing otherwise. `prefetch` loads
 * the module ahead (about 0.3 s on the benchmark machine: the native library and its JS), so a
 * runtime can do it while the workers map instead of in finalize, where nothing else runs.
 */
type DuckDbModule = typeof DuckDbModuleNs;

function lazyWarehouse(
  path: string,
  blobsDir: string,
): Warehouse & { close(): Promise<void>; prefetch(): void } {
  let module: Promise<DuckDbModule> | undefined;
  let real: Promise<DuckDbWarehouse> | undefined;
  const load = () => (module ??= import('../adapters/local/duckdb-warehouse.ts'));
  const open = () =>
    (real ??= load().then(
      ({ DuckDbWarehouse }) => new DuckDbWarehouse({ path, resolveSource: (name) => join(blobsDir, name) }),
    ));
  return {
    load: async (request) => (await open()).load(request),
    query: async (sql) => (await open()).query(sql),
    // A failed prefetch is not an error yet: the first real use imports again and reports it.
    prefetch: () => void load().catch(() => (module = undefined)),
    close: async () => {
      if (real) await (await real).close();
    },
  };
}
