// The public API of cloudreduce: what a job module imports.

export { defineJob, fromStage } from './core/job.ts';
export type {
  Job,
  JobContext,
  Values,
  KeyValueEmit,
  RecordEmit,
  StageRef,
  MapReduceStage,
  MapOnlyStage,
  MapTaskHooks,
} from './core/job.ts';
export { param } from './core/params.ts';
export type { ParamSpec } from './core/params.ts';
export { ConfigError, NonRetryableError, TransientError, InputError } from './core/errors.ts';
export { compareKeys, encodeKey, decodeKey } from './core/keys.ts';
export type { Key, KeyPart } from './core/keys.ts';
export { input, output } from './io/index.ts';
export type { CsvRecord, TextBlock, TextLine } from './io/index.ts';
export type { Entity, EntityKey, EntityValue, PropertyFilter } from './ports/entity-store.ts';
export { keepStoredTypes, sameValue } from './ports/entity-store.ts';
export type { TableSchema, Column, ColumnType } from './ports/warehouse.ts';
