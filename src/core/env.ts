// Everything a core handler needs, injected. The local runtime and the cloud functions each build
// one from their adapters; the handlers are the same code in both.

import type { EncodedKey } from './keys.ts';
import type { Logger } from './logger.ts';
import type { UsageMeter } from './usage.ts';
import type { JobRegistry } from './registry.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EntityStore } from '../ports/entity-store.ts';
import type { InputFiles } from '../ports/input-files.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { StateStore } from '../ports/state-store.ts';
import type { Warehouse } from '../ports/warehouse.ts';

export interface EngineEnv {
  blobs: BlobStore;
  bus: MessageBus;
  state: StateStore;
  entities: EntityStore;
  warehouse: Warehouse;
  files: InputFiles;
  jobs: JobRegistry;
  logger: Logger;
  /** Local directory for spill runs. */
  scratchDir: string;
  /** Identifies this worker as a lease owner. */
  workerId: string;
  leaseMillis: number;
  /**
   * A map or reduce task that has worked this long commits what it has done as a slice and goes on
   * in a new message (cloud functions are killed at 540 s). Undefined: no budget (local runs).
   */
  taskBudgetMillis?: number;
  /**
   * The latest a slice may end, counted like the budget: a slice whose setup (index, sources,
   * merge passes, skipping what earlier slices did) took longer than its budget works on as long as
   * the setup took, up to this (SliceClock). Default (or below the budget): the budget. The cloud
   * sets the budget plus half of the 60 s terraform keeps between the budget and the timeout.
   */
  taskLimitMillis?: number;
  now: () => number;
  /** Counts what the current handler uses (set by dispatch through metered-env.ts). */
  usage?: UsageMeter;
  /**
   * Calls `tick` every `millis` until the returned function is called (the task runner's lease
   * renewal). Absent: the process's own `setInterval`. The simulator (test/sim) supplies its own,
   * so that it owns time: it can freeze a process past its lease or kill it with its timers.
   */
  repeat?: (millis: number, tick: () => void) => () => void;
  /** Sources a reduce task merges at once (DEFAULTS.reduceMergeFanIn); tests lower it to force passes. */
  reduceFanIn?: number;
  /** Shuffle bytes per reduce task (DEFAULTS.reduceTaskTargetBytes); tests lower it to get several. */
  reduceTaskBytes?: number;
  /**
   * Called as a reduce task starts each key of partition `partition` (its encoded bytes), and with
   * `undefined` once the reducer is done with it. The local worker copies it where the pool can
   * read it if the worker dies (out of heap), so that failure names the key.
   */
  onReduceKey?: (partition: number, key: EncodedKey | undefined) => void;
  /** Fewest reduce tasks a stage gets when it has the partitions (the local runtime: its workers). */
  reduceMinTasks?: number;
  /** Called with the records read so far by a running task (progress bars). */
  onProgress?: (progress: { runId: string; taskId: string; records: number }) => void;
}

/** `env.repeat`, or `setInterval` when the environment does not bring its own timers. */
export function repeatEvery(env: EngineEnv, millis: number, tick: () => void): () => void {
  if (env.repeat) return env.repeat(millis, tick);
  const timer = setInterval(tick, millis);
  return () => clearInterval(timer);
}
