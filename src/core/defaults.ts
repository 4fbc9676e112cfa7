// Every tunable with its default, in one place. Units are in the names.

import { availableParallelism } from 'node:os';

export const DEFAULTS = {
  /** Map tasks to plan when neither the job nor the command line says. */
  shards: 8,
  /** Reduce tasks (shuffle partitions). */
  partitions: 4,
  /** Map-side buffer before a sorted run is spilled. */
  memoryBudgetBytes: 64 * 1024 * 1024,
  /** Attempts per task before the run fails. */
  maxAttempts: 3,
  /** A claimed task is someone's for this long; the runner renews it while it works. */
  leaseMillis: 60_000,
  /**
   * Cloud functions: a task commits a slice after working this long and continues in a new message.
   * Event functions are killed at 540 s; the rest is margin to seal the slice and commit it. Local
   * runs have no budget (EngineEnv.taskBudgetMillis undefined).
   */
  cloudTaskBudgetMillis: 420_000,
  /**
   * Cloud functions: how far past its budget a slice whose setup ate the budget may work
   * (EngineEnv.taskLimitMillis): half the 60 s terraform keeps between the budget and the timeout.
   */
  cloudSliceExtensionMillis: 30_000,
  /** …and never past this, whatever the budget (event functions are killed at 540 s). */
  cloudSliceLimitMillis: 510_000,
  /** Backoff between attempts of a failed task: initial * 2^(failures-1), capped. */
  retryInitialMillis: 500,
  retryMaxMillis: 30_000,
  /**
   * The longest input line (one record of a text, NDJSON or CSV file). Longer fails the task with
   * an InputError naming the file and byte offset, before a worker runs out of heap on it.
   */
  maxLineBytes: 16 * 1024 * 1024,
  /**
   * Shuffle bytes a reduce task aims to read: reduce tasks cover contiguous partition ranges of
   * about this size (at least one partition each), so their number follows the data, not R alone.
   */
  reduceTaskTargetBytes: 1024 * 1024 * 1024,
  /**
   * Bound on (map objects × partitions) a reduce task's index slice holds: at most this many
   * entries, about 16 MiB of lengths, whatever M is (reduce-plan.ts).
   */
  reduceIndexEntries: 1_000_000,
  /**
   * Sources a reduce task merges at once; more are merged first into intermediate runs, pass after
   * pass (bounded-merge.ts). Bounds open connections and read buffers (about 1 MiB each).
   */
  reduceMergeFanIn: 128,
  /** Records per output part before a new part is started. */
  maxRecordsPerPart: 1_000_000,
  /**
   * Local worker heap: twice the memory budget plus room for the engine. V8 otherwise lets the heap
   * grow to several times the live data before collecting (measured: 1.3 GiB RSS at a 256 MiB
   * budget uncapped, 0.77 GiB capped; docs/benchmarks.md).
   */
  workerHeapMb: (memoryBudgetBytes: number) => Math.ceil((2 * memoryBudgetBytes) / 2 ** 20) + 256,
  /** Local worker threads. */
  workers: Math.max(1, availableParallelism()),
  /** Local data directory, relative to the working directory. */
  dataDir: '.cloudreduce',
  /** A run with no task progress for this long is flagged stalled by the sweeper. */
  stallMillis: 15 * 60_000,
} as const;

export const LIMITS = {
  /** Upper bounds that protect the state store and message bus, not engine ceilings. */
  maxShards: 100_000,
  maxPartitions: 10_000,
  minMemoryBudgetBytes: 64 * 1024,
} as const;
