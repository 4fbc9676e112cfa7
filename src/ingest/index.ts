// Ingest: records (JSON, NDJSON, CSV) checked against a kind and stored as keyed entities.

export { defineKind, isKind, KindRegistry, kindsOfModule, openKind, TweetKind } from './kinds.ts';
export type { Kind, KindDefinition, PropertyDef, PropertyType } from './kinds.ts';
export { convertRecord } from './convert.ts';
export { formatOfName, parseRecords, type Format } from './parse.ts';
export {
  checkBodySize,
  DEFAULT_LIMITS,
  ingest,
  IngestError,
  prepare,
  rejectionMessage,
  upsertInBatches,
  type IngestLimits,
  type IngestOptions,
  type IngestResult,
  type RecordProblem,
} from './ingest.ts';
export { handleIngestRequest, KIND_HEADER, type IngestRequest, type IngestResponse } from './http.ts';
export { INGEST_PREFIX, ingestObject, RESULTS_PREFIX, type ObjectOutcome } from './object.ts';
