// Input readers and output writers: the pluggable ends of a stage.
//
// An input is a plain JSON spec ({ type: 'text', paths: [...] }) chosen by the job (possibly from
// its params). Its reader cuts it into small serialisable split descriptors at split time, and
// streams the records of one split inside a map task, reporting a human position for every record
// so errors can say "data/a.ndjson:120".

import type { Logger } from '../core/logger.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EntityStore } from '../ports/entity-store.ts';
import type { InputFiles } from '../ports/input-files.ts';
import type { Warehouse } from '../ports/warehouse.ts';

/** What readers and writers may use. */
export interface IoEnv {
  files: InputFiles;
  entities: EntityStore;
  /** The engine's working store (earlier stages' outputs live here). */
  blobs: BlobStore;
  logger: Logger;
}

export interface InputSpec {
  readonly type: string;
}

export interface InputRecord<R> {
  value: R;
  /** Human position for error messages, e.g. "data/a.ndjson:120" or "byte 4096 of data/a.txt". */
  position: () => string | Promise<string>;
  /**
   * Set when the record could not be parsed: the reader keeps going and the engine decides, per the
   * stage's `badRecords`, to fail the run with `error` or to count it and write `raw` aside.
   */
  bad?: { error: Error; raw: string };
  /**
   * The split descriptor of the rest of the split after this record (see RecordBatch.resumeAfter);
   * undefined or absent: the reader cannot resume here.
   */
  resumeAfter?: () => unknown;
}

/** Context given to a reader at split time. */
export interface SplitContext extends IoEnv {
  runId: string;
  /** Committed output parts of earlier stages, by stage name then output name. */
  stageOutputs: (stage: string, output?: string) => Promise<string[]>;
}

export interface Split {
  /** JSON-serialisable; stored on the map task record. Keep it small (no data). */
  descriptor: unknown;
  /** One line for status pages: "data/a.txt bytes 0-1048576". */
  description: string;
}

/**
 * Records in bulk: the fast path for readers with many small records (lines). Positions and bad
 * records are looked up by index, so a batch costs one object, not one per record.
 */
export interface RecordBatch<R> {
  values: R[];
  /** Human position of values[i], computed only when asked (errors). */
  position(i: number): string | Promise<string>;
  /** Bad records by index into `values` (whose slot holds a placeholder). */
  bad?: ReadonlyMap<number, { error: Error; raw: string }>;
  /**
   * A split descriptor for the rest of the split after values[i]: reading it yields exactly the
   * records that follow values[i]. A task at its time budget commits what it did and continues from
   * here in a new message. Return undefined where the reader cannot resume; a reader without this
   * method makes a task run to the end of its split whatever the budget.
   */
  resumeAfter?(i: number): unknown;
}

export interface InputReader<S extends InputSpec = InputSpec, R = unknown> {
  readonly type: S['type'];
  /** At most `shards` splits (fewer when the input is small); zero when the input is empty. */
  split(spec: S, shards: number, ctx: SplitContext): Promise<Split[]>;
  read(spec: S, descriptor: unknown, env: IoEnv): AsyncIterable<InputRecord<R>>;
  /** Optional bulk form of `read`, same records in the same order; the engine prefers it. */
  readBatches?(spec: S, descriptor: unknown, env: IoEnv): AsyncIterable<RecordBatch<R>>;
}

export interface OutputSpec {
  readonly type: string;
}

/** Writes a task's records for one output. Side effects go only to attempt-scoped names. */
export interface TaskOutputWriter {
  write(record: unknown): void | Promise<void>;
  /** Flushes and returns the committed part names (possibly none) and the record count. */
  close(): Promise<{ parts: { name: string; records: number }[] }>;
  /** Discards what this attempt wrote (best effort). */
  abort(): Promise<void>;
}

export interface OutputContext extends IoEnv {
  runId: string;
  job: string;
  stage: number;
  stageName: string;
  outputName: string;
}

export interface TaskOutputContext extends OutputContext {
  taskId: string;
  attempt: number;
}

export interface FinalizeContext extends OutputContext {
  warehouse: Warehouse;
  params: Record<string, unknown>;
  /** Committed parts of this output over all tasks, in task order. */
  parts: readonly { name: string; records: number }[];
  /**
   * Parts [0, published) were published by an earlier delivery of this finalize (its checkpoint):
   * start after them. Parts from `published` on may have been published too, by a delivery that
   * died before it recorded them: publishing one must recognise that, never do it twice.
   */
  published: number;
  /**
   * Tells the engine that parts [0, n) are published, so a later delivery starts at n. Call it
   * after each part of a long publication (the engine writes its checkpoint every few parts); a
   * writer that publishes in one step (a load job) need not call it.
   */
  progress(n: number): Promise<void>;
}

export interface OutputSummaryOut {
  target: string;
  rows: number;
  files?: string[];
}

export interface OutputWriter<S extends OutputSpec = OutputSpec> {
  readonly type: S['type'];
  /** Checks the spec before the run starts; throw ConfigError with the fix. */
  validate?(spec: S): void;
  open(spec: S, ctx: TaskOutputContext): TaskOutputWriter;
  /**
   * After the stage's last task committed: load tables, publish files. Idempotent, and resumable
   * from `ctx.published` (a redelivered finalize goes on where the last one stopped).
   */
  finalize(spec: S, ctx: FinalizeContext): Promise<OutputSummaryOut>;
}
