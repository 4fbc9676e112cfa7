// The embedded runtime: the same core handlers as the cloud functions, wired to local adapters, an
// in-process at-least-once bus and a pool of worker threads for map and reduce tasks. A sweeper
// timer re-publishes lost work, so a run either finishes or fails with a reason; it never hangs.

import { DEFAULTS } from '../core/defaults.ts';
import { dispatch } from '../core/dispatch.ts';
import type { EngineEnv } from '../core/env.ts';
import { toErrorInfo } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/logger.ts';
import type { JobMessage } from '../core/messages.ts';
import type { RunRecord } from '../core/records.ts';
import type { JobRegistry } from '../core/registry.ts';
import { newRunId } from '../core/split.ts';
import { resumeRun } from '../core/resume.ts';
import { sweepRun } from '../core/sweeper.ts';
import { handleDeadLetter } from '../core/dead-letter.ts';
import { LocalMessageBus, type FaultPlan } from '../adapters/local/local-message-bus.ts';
import type { IncomingMessage, Topic } from '../ports/message-bus.ts';
import { openLocalAdapters, type LocalAdapters } from './local-adapters.ts';
import { recordingLogger } from './run-log.ts';
import { holdRun, releaseRun } from './run-owner.ts';
import { WorkerPool } from './worker-pool.ts';

export interface LocalRuntimeOptions {
  dataDir: string;
  jobs: JobRegistry;
  /** Modules the workers import to see the same jobs (user job modules; built-ins always load). */
  userModules?: string[];
  /** Old-generation cap per worker thread in MiB (default: from DEFAULTS.memoryBudgetBytes). */
  workerHeapMb?: number;
  /** Worker threads for tasks; 0 runs tasks on the main thread (tests, debugging). */
  workers?: number;
  cwd?: string;
  logger?: Logger;
  faults?: FaultPlan;
  leaseMillis?: number;
  /** Slice tasks after this long, as the cloud does (EngineEnv.taskBudgetMillis); default: no budget. */
  taskBudgetMillis?: number;
  sweepEveryMillis?: number;
  /** Shuffle tuning (EngineEnv.reduceTaskBytes, reduceFanIn); tests lower them to force ranges and passes. */
  shuffle?: { reduceTaskBytes?: number; reduceFanIn?: number; reduceMinTasks?: number };
  onProgress?: (p: { runId: string; taskId: string; records: number }) => void;
}

export class LocalRuntime {
  readonly env: EngineEnv;
  readonly adapters: LocalAdapters;
  readonly bus: LocalMessageBus;
  readonly #pool: WorkerPool | undefined;
  readonly #sweepEveryMillis: number;
  /** Runs this process started or resumed: their owner files say so until close(). */
  readonly #held = new Set<string>();

  constructor(options: LocalRuntimeOptions) {
    // Every entry about a run also goes to its log file (<data-dir>/logs/<runId>.ndjson).
    const logger = recordingLogger(options.dataDir, options.logger ?? silentLogger);
    const cwd = options.cwd ?? process.cwd();
    const leaseMillis = options.leaseMillis ?? DEFAULTS.leaseMillis;
    const workers = options.workers ?? DEFAULTS.workers;
    const budget = {
      ...(options.taskBudgetMillis === undefined ? {} : { taskBudgetMillis: options.taskBudgetMillis }),
      // A small shuffle is still reduced by every worker (in the cloud one task per ~1 GiB is right).
      ...(workers > 1 ? { reduceMinTasks: workers } : {}),
      ...options.shuffle,
    };
    this.adapters = openLocalAdapters(options.dataDir, cwd);
    this.bus = new LocalMessageBus({ logger, ...(options.faults ? { faults: options.faults } : {}) });
    this.env = {
      ...this.adapters,
      bus: this.bus,
      jobs: options.jobs,
      logger,
      workerId: `local-${process.pid}-main`,
      leaseMillis,
      ...budget,
      now: Date.now,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    this.#sweepEveryMillis = options.sweepEveryMillis ?? Math.min(5_000, leaseMillis);
    this.#pool =
      workers > 0
        ? new WorkerPool({
            size: workers,
            heapMb: options.workerHeapMb ?? DEFAULTS.workerHeapMb(DEFAULTS.memoryBudgetBytes),
            init: {
              dataDir: this.adapters.dataDir,
              cwd,
              userModules: options.userModules ?? [],
              leaseMillis,
              ...budget,
            },
            bus: this.bus,
            state: this.adapters.state,
            logger,
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          })
        : undefined;
    const handle = (topic: Topic) => async (message: IncomingMessage) => {
      if ((topic === 'map' || topic === 'reduce') && this.#pool) await this.#pool.run(topic, message);
      else await dispatch(this.env, topic, message);
    };
    for (const topic of ['jobs', 'map', 'reduce', 'finalize'] as const)
      this.bus.subscribe(topic, handle(topic));
    // A message the bus gave up on must not leave its run RUNNING forever.
    // The same core handler as the cloud's deadLetter function.
    this.bus.onDeadLetter((topic, message, error) => {
      const letter = {
        messageId: message.id,
        data: message.data,
        source: `topic ${topic}`,
        ...(message.deliveryAttempt ? { deliveries: message.deliveryAttempt } : {}),
        lastError: error,
      };
      handleDeadLetter(this.env, letter).catch((err: unknown) =>
        this.env.logger.error(`handling dead letter ${message.id} failed`, { error: toErrorInfo(err) }),
      );
    });
  }

  /** Starts a run and returns its id; the run proceeds in the background. */
  async submit(message: JobMessage): Promise<string> {
    const runId = message.runId ?? newRunId(message.job, Date.now());
    this.#hold(runId);
    await this.bus.publish('jobs', [{ data: { ...message, runId } }]);
    this.#prefetchWarehouse(message.job);
    return runId;
  }

  /**
   * Continues a run after its process died (releases its leases and re-publishes its work), or a
   * FAILED run whose cause is gone (its failed tasks start over).
   */
  async resume(runId: string): Promise<void> {
    this.#hold(runId);
    await resumeRun(this.env, runId, { releaseRunning: true });
    const run = await this.adapters.state.getRun(runId);
    if (run) this.#prefetchWarehouse(run.job);
  }

  /**
   * A job with a table output loads DuckDB in finalize, when nothing else runs; so the main thread,
   * idle while the workers map, loads the module once they are up. Without workers (tasks on this
   * thread) it would only move the cost, so it waits for finalize.
   */
  #prefetchWarehouse(jobName: string): void {
    if (!this.#pool || !this.env.jobs.has(jobName)) return;
    const outputs = this.env.jobs.get(jobName).stages.flatMap((s) => Object.values(s.def.outputs ?? {}));
    // An output given as a function of the params may be a table: load it too.
    if (!outputs.some((o) => typeof o === 'function' || o.type === 'table')) return;
    void this.#pool.ready.then(() => this.adapters.warehouse.prefetch());
  }

  /** Waits until the run leaves RUNNING, sweeping on a timer; `onTick` sees the run each time. */
  async wait(
    runId: string,
    onTick?: (run: RunRecord | undefined) => void | Promise<void>,
    tickMillis = 50,
  ): Promise<RunRecord> {
    let lastSweep = Date.now();
    for (;;) {
      const run = await this.adapters.state.getRun(runId);
      await onTick?.(run);
      if (run && run.status !== 'RUNNING') return run;
      if (Date.now() - lastSweep >= this.#sweepEveryMillis) {
        lastSweep = Date.now();
        await sweepRun(this.env, runId).catch((err: unknown) =>
          this.env.logger.warn('sweep failed', { error: toErrorInfo(err) }),
        );
      }
      await new Promise((r) => setTimeout(r, tickMillis));
    }
  }

  #hold(runId: string): void {
    holdRun(this.adapters.dataDir, runId);
    this.#held.add(runId);
  }

  async close(): Promise<void> {
    for (const runId of this.#held) releaseRun(this.adapters.dataDir, runId);
    await this.bus.close();
    await this.#pool?.close();
    await this.adapters.close();
  }
}
