// The coordinator's durable state: one RunRecord per run, one TaskRecord per (stage, phase, index).
// Both are plain JSON so every StateStore (SQLite locally, Datastore in the cloud) stores them as is.

import type { AttemptEntry } from './attempt-history.ts';
import type { ErrorInfo } from './errors.ts';
import type { Usage } from './usage.ts';

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
  /**
   * The phase barrier's progress: batches of TASK_BATCH_SIZE tasks of `phase` found all DONE
   * (barrier.ts). A phase flips once every batch is here, or once a full count says so.
   */
  barrier?: { phase: TaskPhase; batches: number[] };
  /** All counters of the stage (map + reduce), frozen when the stage finalizes. */
  counters?: Counters;
  /**
   * What finalize wrote, per output: table name and rows, or file names. While the stage
   * finalizes it holds the outputs finished so far (a redelivered finalize skips them).
   */
  outputs?: Record<string, OutputSummary>;
  /**
   * Finalize's checkpoint (finalize-checkpoint.ts), only while the stage finalizes: per output
   * being published, how many of its parts are published. Counts, never names: the run record
   * stays small whatever the number of parts.
   */
  finalize?: Record<string, number>;
  /** The stage's one plan (plan.ts): the object holding its splits, and how many map tasks it has. */
  plan?: { object: string; tasks: number };
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
  /**
   * The module (file URL) the job was loaded from, when it is not built in: `cloudreduce resume` and
   * `status` find the job through it, so a run started as `cloudreduce run ./jobs/x.ts` needs no --jobs.
   */
  jobModule?: string;
  /** What split, finalize and the phase barriers used, by function (tasks keep their own). */
  usage?: Partial<Record<UsageFunction, Usage>>;
  /** How many times the run was resumed after it failed (`cloudreduce resume`). */
  resumes?: number;
}

/** The functions whose time and requests make a run's cost. */
export type UsageFunction = 'split' | 'map' | 'reduce' | 'finalize';

export interface TaskOutput {
  /** Shuffle object holding all partitions (map tasks of map-reduce stages). */
  shuffleObject?: string;
  /** Byte range of each partition inside `shuffleObject`. */
  partitions?: { offset: number; length: number; records: number }[];
  /** Committed output parts, by output name. */
  parts?: Record<string, { name: string; records: number }[]>;
  spills?: number;
}

/**
 * A slice a task committed at its time budget before it finished: what that slice wrote and
 * counted. The task's output is the union of its slices' and its final `output`, in that order.
 */
export interface TaskSlice {
  /** The attempt that committed the slice; attempts after it count against `maxAttempts`. */
  attempt: number;
  output: TaskOutput;
  counters: Counters;
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
  /**
   * Attempts up to this one do not count against `maxAttempts` (set by a slice commit, a resume of
   * a failed run, a release of a known-dead worker's task); absent: the last slice's attempt, or 0.
   */
  attemptsFrom?: number;
  /** The attempt whose commit made the task DONE: a commit that finds its own write succeeded. */
  committedAttempt?: number;
  /** The attempt whose failure was recorded last (same purpose, for failures). */
  failedAttempt?: number;
  leaseOwner?: string;
  /** Epoch millis; a RUNNING task whose lease has passed may be claimed again. */
  leaseExpiresAt?: number;
  /** Earliest epoch millis at which a retry may claim the task (backoff). */
  notBefore?: number;
  /** Map tasks: the input split descriptor (small JSON, from the input reader). */
  split?: unknown;
  /** Human description of the split, for status pages. */
  description?: string;
  /** What the final slice wrote (the whole task's output when it ran in one slice). */
  output?: TaskOutput;
  /** Summed over every committed slice: a DONE task's counters are the whole task's. */
  counters?: Counters;
  /** The slices committed before the current one, oldest first (a task that hit its time budget). */
  slices?: TaskSlice[];
  /**
   * Where the next slice starts. Map: the input reader's descriptor of the rest of the split (read
   * instead of `split`). Reduce: `{ afterKey }`, the last key reduced (see reduce-task.ts).
   */
  checkpoint?: unknown;
  /** Last error, and the count of failed attempts. */
  error?: ErrorInfo;
  failures?: number;
  /** The latest attempts, oldest first (bounded: see attempt-history.ts). */
  attempts?: AttemptEntry[];
  /** Attempts older than `attempts[0]` that are no longer kept. */
  attemptsDropped?: number;
  /** What every attempt used, summed (committed, sliced or failed; see usage.ts). */
  usage?: Usage;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Every output the task committed: its earlier slices', then the final one's once it is DONE. */
export function committedOutputs(task: TaskRecord): TaskOutput[] {
  const outputs = (task.slices ?? []).map((s) => s.output);
  if (task.state === 'DONE' && task.output) outputs.push(task.output);
  return outputs;
}

/** Slices committed so far; a DONE task that never hit its budget has one. */
export function sliceCount(task: TaskRecord): number {
  return (task.slices?.length ?? 0) + (task.state === 'DONE' ? 1 : 0);
}

export function taskId(stage: number, phase: TaskPhase, index: number): string {
  return `s${stage}-${phase}-${String(index).padStart(5, '0')}`;
}
