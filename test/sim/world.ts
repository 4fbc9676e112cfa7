// One simulated deployment: the shared in-memory stores, the message bus with at-least-once
// delivery (loss, duplication, delay, redelivery with backoff), function processes started per
// delivery, a sweeper on a schedule, and the invariant checks that watch every write.

import { dispatch } from '../../src/core/dispatch.ts';
import type { Job } from '../../src/core/job.ts';
import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { sweepAll } from '../../src/core/sweeper.ts';
import { sliceAttempts } from '../../src/core/task-state.ts';
import type { IncomingMessage, OutgoingMessage, Topic } from '../../src/ports/message-bus.ts';
import type { FaultProfile } from './faults.ts';
import { Gate } from './gate.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';
import { MemoryEntityStore } from './memory-entity-store.ts';
import { MemoryInputFiles } from './memory-input-files.ts';
import { MemoryStateStore, type StateWrite } from './memory-state-store.ts';
import { MemoryWarehouse } from './memory-warehouse.ts';
import { Scheduler, type Proc } from './scheduler.ts';
import { processEnv } from './sim-env.ts';

export interface WorldConfig {
  seed: number;
  profile: FaultProfile;
  leaseMillis: number;
  sweepEveryMillis: number;
  /** Sweeper ticks after which a run that has not ended is stuck. */
  maxTicks: number;
  taskBudgetMillis?: number;
  reduceTaskBytes?: number;
  reduceFanIn?: number;
  /** A second sweeper runs at the same tick with this probability. */
  concurrentSweeper: number;
}

export const TERMINAL = new Set(['DONE', 'FAILED', 'ABORTED', 'REJECTED']);
const FUNCTION_TIMEOUT_MILLIS = 540_000;

export class World {
  readonly config: WorldConfig;
  readonly sched: Scheduler;
  readonly gate: Gate;
  readonly state = new MemoryStateStore();
  readonly blobs = new MemoryBlobStore();
  readonly entities = new MemoryEntityStore();
  readonly warehouse = new MemoryWarehouse(this.blobs);
  readonly files = new MemoryInputFiles();
  jobs = new JobRegistry();
  readonly violations: string[] = [];
  /** Tasks whose every attempt kills its process (until cured). */
  readonly poisoned = new Set<string>();
  readonly stats = { deliveries: 0, lost: 0, duplicated: 0, crashes: 0, sweeps: 0 };
  ticks = 0;
  /** Called when a run reaches a terminal status (scenarios resume runs from here). */
  onTerminal: (run: RunRecord) => void = () => {};
  /** Work the scenario still expects (a planned resume): the world is not finished. */
  pending = 0;
  /** The blob store's generation when each run went DONE: what was written before must go. */
  readonly doneAtGeneration = new Map<string, number>();
  readonly #committed = new Map<string, string>(); // object name → runId
  readonly #procByWorker = new Map<string, Proc>();
  #messages = 0;
  readonly #unackedJobs = new Set<string>();

  constructor(config: WorldConfig, jobs: readonly Job[]) {
    this.config = config;
    this.sched = new Scheduler(config.seed);
    this.gate = new Gate(this.sched, config.profile, config.leaseMillis);
    for (const job of jobs) this.jobs.register(job);
    this.state.onWrite = (w) => this.#checkWrite(w);
    this.blobs.onDelete = (name) => this.#checkDelete(name);
    this.blobs.onPut = (name, replaced) => {
      if (replaced && this.#committed.has(name)) this.violation(`committed object ${name} was overwritten`);
    };
  }

  violation(message: string): void {
    this.sched.log(`VIOLATION: ${message}`);
    this.violations.push(message);
  }

  /** The transport accepted these messages: each is delivered at least once (unless injected loss). */
  publish(topic: Topic, messages: readonly OutgoingMessage[]): string[] {
    const { sched } = this;
    const { profile } = this.config;
    return messages.map((m) => {
      const incoming: IncomingMessage = {
        id: this.nextMessageId(),
        data: JSON.parse(JSON.stringify(m.data)) as unknown,
        attributes: { ...m.attributes },
      };
      if (sched.chance(profile.lose)) {
        this.stats.lost++;
        sched.log(`message ${incoming.id} ${topic} ${label(incoming)} LOST`);
        return incoming.id;
      }
      this.#deliverLater(topic, incoming, 1, sched.int(1, profile.maxDelayMillis));
      if (sched.chance(profile.duplicate)) {
        this.stats.duplicated++;
        this.#deliverLater(topic, incoming, 1, sched.int(1, profile.maxDelayMillis));
      }
      return incoming.id;
    });
  }

  nextMessageId(): string {
    return `m${++this.#messages}`;
  }

  /** A job message as Cloud Scheduler or `cloudreduce submit` sends it (never lost; maybe twice). */
  deliverJob(message: IncomingMessage, delayMillis: number): void {
    this.#unackedJobs.add(message.id);
    this.#deliverLater('jobs', message, 1, delayMillis);
  }

  /** Runs `body` as a process with its own env (a CLI call, a sweeper). */
  spawn(name: string, body: (env: ReturnType<typeof processEnv>) => Promise<unknown>): Proc {
    const proc = this.sched.spawn(name);
    const env = processEnv(this, proc);
    this.#procByWorker.set(env.workerId, proc);
    body(env).then(
      () => this.#finish(proc),
      (err: unknown) => {
        this.sched.log(`#${proc.id} ${name} threw ${err instanceof Error ? err.message : String(err)}`);
        this.#finish(proc);
      },
    );
    return proc;
  }

  /** Starts the sweeper schedule and runs until every run ended and nothing is left to do. */
  async run(maxEvents = 400_000): Promise<void> {
    const tick = () => {
      if (this.#allEnded()) return;
      if (++this.ticks > this.config.maxTicks) return;
      this.stats.sweeps++;
      const sweepers = this.sched.chance(this.config.concurrentSweeper) ? 2 : 1;
      for (let i = 0; i < sweepers; i++) this.spawn('sweeper', (env) => sweepAll(env));
      this.sched.at(this.config.sweepEveryMillis, tick);
    };
    this.sched.at(this.config.sweepEveryMillis, tick);
    const finished = await this.sched.run(() => this.ticks > this.config.maxTicks, maxEvents);
    if (!finished) this.violation(`no end after ${maxEvents} events (a livelock?)`);
    for (const run of this.state.runs.values()) {
      this.#checkIntermediates(run);
      if (!TERMINAL.has(run.status))
        this.violation(
          `run ${run.runId} is still ${run.status} in ${run.phase} of stage ${run.stage} after ${this.config.maxTicks} sweeper ticks: stuck`,
        );
    }
  }

  /**
   * A DONE run's intermediates are deleted: nothing under tmp/<run>/ written before it went DONE
   * is left. (A zombie attempt that wakes up later may still write there: deleting that is a
   * bucket lifecycle rule's job, not the protocol's.)
   */
  #checkIntermediates(run: RunRecord): void {
    const doneAt = this.doneAtGeneration.get(run.runId);
    if (run.status !== 'DONE' || doneAt === undefined) return;
    const left = [...this.blobs.objects]
      .filter(([name, o]) => name.startsWith(`tmp/${run.runId}/`) && o.generation <= doneAt)
      .map(([name]) => name);
    if (left.length > 0)
      this.violation(
        `run ${run.runId} is DONE but ${left.length} of its intermediates are left, e.g. ${left[0]}`,
      );
  }

  #allEnded(): boolean {
    // A job message not yet acknowledged may still create a run (its planner may be slow).
    if (this.pending > 0 || this.#unackedJobs.size > 0) return false;
    for (const run of this.state.runs.values()) if (!TERMINAL.has(run.status)) return false;
    return this.state.runs.size > 0;
  }

  #deliverLater(topic: Topic, message: IncomingMessage, attempt: number, delay: number): void {
    this.sched.at(delay, () => this.#deliver(topic, message, attempt));
  }

  #deliver(topic: Topic, message: IncomingMessage, attempt: number): void {
    const { sched } = this;
    this.stats.deliveries++;
    let settled = false;
    const redeliver = (why: string) => {
      if (settled) return;
      settled = true;
      // Pub/Sub's retry policy: exponential backoff from 10 s to 600 s, with jitter.
      const backoff = Math.min(600_000, 10_000 * 2 ** Math.min(6, attempt - 1));
      sched.log(`message ${message.id} ${why}; redelivered in ${Math.round(backoff / 1000)} s`);
      this.#deliverLater(topic, message, attempt + 1, backoff + sched.int(0, 5_000));
    };
    const proc = this.spawn(`${topic} ${label(message)} d${attempt}`, async (env) => {
      try {
        const outcome = await dispatch(env, topic, { ...message, deliveryAttempt: attempt });
        settled = true;
        if (topic === 'jobs') this.#unackedJobs.delete(message.id);
        sched.log(`message ${message.id} ${outcome}`);
      } catch (err) {
        redeliver(`nacked (${err instanceof Error ? err.message : String(err)})`);
      }
    });
    proc.onDeath = () => {
      this.stats.crashes++;
      redeliver('never answered (process died)');
    };
    sched.at(FUNCTION_TIMEOUT_MILLIS, () => {
      if (settled || proc.dead) return false;
      sched.kill(proc, 'function timeout');
    });
  }

  #finish(proc: Proc): void {
    for (const stop of proc.stops) stop();
  }

  #checkWrite(w: StateWrite): void {
    if (w.kind === 'run') {
      const { before, after } = w;
      if (
        before &&
        (before.status === 'DONE' || before.status === 'REJECTED') &&
        JSON.stringify(outcomeOf(before)) !== JSON.stringify(outcomeOf(after))
      )
        this.violation(`run ${after.runId} changed after it ended ${before.status}`);
      if (after.status === 'DONE' && before?.status !== 'DONE')
        this.doneAtGeneration.set(after.runId, this.blobs.generation);
      if (TERMINAL.has(after.status) && before?.status !== after.status) {
        this.sched.log(
          `run ${after.runId} → ${after.status}${after.error ? `: ${after.error.taskId ?? ''} ${after.error.message}` : ''}`,
        );
        this.onTerminal(after);
      }
      return;
    }
    const { before, after } = w;
    const id = `${after.runId}/${after.taskId}`;
    if (before?.state === 'DONE' && JSON.stringify(before) !== JSON.stringify(after))
      this.violation(`committed task ${id} changed: DONE → ${after.state} (attempt ${after.attempt})`);
    // Slices are only ever appended: the ones committed before must still be there, unchanged.
    const kept = before?.slices ?? [];
    const now = after.slices ?? [];
    if (
      now.length < kept.length ||
      kept.some((slice, i) => slice !== now[i] && slice.attempt !== now[i]!.attempt)
    )
      this.violation(`task ${id} lost or changed a committed slice`);
    if (after.state === 'RUNNING' && (before?.state !== 'RUNNING' || before.attempt !== after.attempt)) {
      const run = this.state.runs.get(after.runId);
      const used = sliceAttempts(after);
      if (run && used > run.options.maxAttempts)
        this.violation(
          `task ${id} claimed for attempt ${used} of its slice, over maxAttempts ${run.options.maxAttempts}`,
        );
      const proc = after.leaseOwner ? this.#procByWorker.get(after.leaseOwner) : undefined;
      if (proc && this.poisoned.has(id)) this.gate.doomed.add(proc);
    }
    // What this write committed: new slices, and the final output when it became DONE.
    const added = (after.slices ?? []).slice(kept.length).map((slice) => slice.output);
    if (after.state === 'DONE' && before?.state !== 'DONE' && after.output) added.push(after.output);
    for (const output of added)
      for (const name of objectNames(output)) this.#committed.set(name, after.runId);
  }

  #checkDelete(name: string): void {
    const runId = this.#committed.get(name);
    if (runId === undefined) return;
    const status = this.state.runs.get(runId)?.status;
    if (status !== 'DONE' || !name.startsWith(`tmp/${runId}/`))
      this.violation(`committed object ${name} was deleted while run ${runId} is ${status}`);
  }
}

function objectNames(output: NonNullable<TaskRecord['output']>): string[] {
  return [
    ...(output.shuffleObject ? [output.shuffleObject] : []),
    ...Object.values(output.parts ?? {})
      .flat()
      .map((p) => p.name),
  ];
}

function label(message: IncomingMessage): string {
  const d = message.data as { taskId?: unknown; runId?: unknown; stage?: unknown; job?: unknown } | null;
  if (typeof d?.taskId === 'string') return d.taskId;
  if (typeof d?.job === 'string') return `job ${d.job}`;
  if (typeof d?.stage === 'number') return `stage ${d.stage}`;
  return '';
}

/**
 * A run record without its usage: what late deliveries to an ended run cost is still recorded
 * (they are billed), but nothing else of an ended run may change.
 */
function outcomeOf(run: RunRecord): Omit<RunRecord, 'usage'> {
  const { usage: _usage, ...rest } = run;
  return rest;
}
