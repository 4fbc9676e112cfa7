// The embedded mode's adapters, all under one data directory (default ./.cloudreduce):
//   blobs/          FileBlobStore: shuffle objects, output parts, published results
//   state.db        SqliteStateStore: runs, tasks, leases (survives a killed process)
//   entities.db     SqliteEntityStore: the local stand-in for Datastore
//   warehouse.duckdb DuckDbWarehouse: table outputs, read by `cloudreduce query`
//   scratch/        spill runs of map tasks
// Opened the same way by the main thread and by every worker thread.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDbWarehouse } from '../adapters/local/duckdb-warehouse.ts';
import { FileBlobStore } from '../adapters/local/file-blob-store.ts';
import { FsInputFiles } from '../adapters/local/fs-input-files.ts';
import { SqliteEntityStore } from '../adapters/local/sqlite-entity-store.ts';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.ts';

export interface LocalAdapters {
  dataDir: string;
  blobs: FileBlobStore;
  state: SqliteStateStore;
  entities: SqliteEntityStore;
  warehouse: DuckDbWarehouse;
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

export function openLocalAdapters(dataDir: string, cwd: string = process.cwd()): LocalAdapters {
  const paths = localPaths(dataDir);
  mkdirSync(paths.blobs, { recursive: true });
  mkdirSync(paths.scratch, { recursive: true });
  const blobs = new FileBlobStore(paths.blobs);
  const state = new SqliteStateStore(paths.state);
  const entities = new SqliteEntityStore(paths.entities);
  const warehouse = new DuckDbWarehouse({
    path: paths.warehouse,
    resolveSource: (name) => join(paths.blobs, name),
  });
  return {
    dataDir: paths.root,
    blobs,
    state,
    entities,
    warehouse,
    files: new FsInputFiles(cwd),
    scratchDir: paths.scratch,
    async close() {
      await state.close?.();
      await (entities as { close?: () => Promise<void> | void }).close?.();
      await warehouse.close?.();
    },
  };
}
