// The coordinator's durable state: one RunRecord per run, one TaskRecord per (stage, phase, index).
// Both are plain JSON so every StateStore (SQLite locally, Datastore in the cloud) stores them as is.

import type { ErrorInfo } from './errors.ts';

export type RunStatus = 'RUNNING' | 'DONE' | 'FAILED' | 'ABORTED' | 'REJECTED';
/** Where a RUNNING run is: planning a stage's splits, its map, reduce or finalize phase. */
export type Phase = 'split' | 'map' | 'reduce' | 'finalize';
export type TaskPhase = 'map' | 'reduce';
export type TaskState = 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';
export type Counters = Record<string, number>;

export interface RunOptions {
  /** Map tasks asked for by the message or command line; absent: each stage's own, else the default. */
  shards?: number;
  partitions: number;
  memoryBudgetBytes: number;
  maxAttempts: number;
  /** `--input` paths/globs given on the command line or in the job message. */
  inputs?: string[];
}

export interface StageState {
  name: string;
  mapTasks?: number;
  reduceTasks?: number;
  /** Map-phase counters summed over committed map tasks, frozen at the map→reduce barrier. */
  mapCounters?: Counters;
  /** All counters of the stage (map + reduce), frozen when the stage finalizes. */
  counters?: Counters;
  /** What finalize wrote, per output: table name and rows, or file names. */
  outputs?: Record<string, OutputSummary>;
}

export interface OutputSummary {
  type: string;
  target: string;
  rows: number;
  files?: string[];
}

export interface RunRecord {
  runId: string;
  job: string;
  /** JSON-safe resolved params (datetimes as ISO strings). */
  params: Record<string, unknown>;
  options: RunOptions;
  status: RunStatus;
  stage: number;
  phase: Phase;
  stages: StageState[];
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Why the run failed, was rejected or aborted: the failing task, input position and stack. */
  error?: ErrorInfo & { taskId?: string };
  /** Where the request came from: "cli", "scheduler:<name>", "message:<id>". */
  origin?: string;
}

export interface TaskOutput {
  /** Shuffle object holding all partitions (map tasks of map-reduce stages). */
  shuffleObject?: string;
  /** Byte range of each partition inside `shuffleObject`. */
  partitions?: { offset: number; length: number; records: number }[];
  /** Committed output parts, by output name. */
  parts?: Record<string, { name: string; records: number }[]>;
  spills?: number;
}

export interface TaskRecord {
  runId: string;
  taskId: string;
  stage: number;
  phase: TaskPhase;
  index: number;
  state: TaskState;
  /** How many times the task has been claimed; the current attempt number. */
  attempt: number;
  leaseOwner?: string;
  /** Epoch millis; a RUNNING task whose lease has passed may be claimed again. */
  leaseExpiresAt?: number;
  /** Earliest epoch millis at which a retry may claim the task (backoff). */
  notBefore?: number;
  /** Map tasks: the input split descriptor (small JSON, from the input reader). */
  split?: unknown;
  /** Human description of the split, for status pages. */
  description?: string;
  output?: TaskOutput;
  counters?: Counters;
  /** Last error, and the count of failed attempts. */
  error?: ErrorInfo;
  failures?: number;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export function taskId(stage: number, phase: TaskPhase, index: number): string {
  return `s${stage}-${phase}-${String(index).padStart(5, '0')}`;
}
