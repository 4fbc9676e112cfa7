// Warehouse: where table outputs land. BigQuery in the cloud, a DuckDB file locally.

export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'JSON';

export interface Column {
  name: string;
  type: ColumnType;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
}

export interface TableSchema {
  columns: readonly Column[];
  /** Day-partitioned on this DATE/TIMESTAMP column (BigQuery time partitioning). */
  partitionBy?: string;
}

export interface LoadRequest {
  /** Deterministic id (run, stage, output): loading the same id twice loads once. */
  jobId: string;
  table: string;
  schema: TableSchema;
  /** NDJSON objects in the engine's BlobStore, by name. */
  sources: readonly string[];
  writeDisposition: 'WRITE_APPEND' | 'WRITE_TRUNCATE';
  /** With WRITE_TRUNCATE on a partitioned table: replace only this day (YYYY-MM-DD). */
  partition?: string;
}

export interface LoadResult {
  rows: number;
  /** False when this jobId had been loaded before and nothing new was written. */
  loaded: boolean;
}

export type Row = Record<string, unknown>;

export interface Warehouse {
  /** Atomic: all rows of the request or none. Idempotent on `jobId`. */
  load(request: LoadRequest): Promise<LoadResult>;
  query(sql: string): Promise<Row[]>;
  close?(): Promise<void>;
}
