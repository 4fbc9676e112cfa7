// A fixed pool of task workers (default: one per core). Tasks queue until a worker is free. A
// worker that dies mid-task (out of heap, say) is replaced and its death is that attempt's failure:
// recorded on the task like any failed attempt, so a task that kills every worker fails its run
// after maxAttempts with the reason, instead of being redelivered until the bus gives up. Below
// maxAttempts the task goes back to PENDING and the delivery fails, so the bus redelivers it.

import { Worker } from 'node:worker_threads';
import { fromErrorInfo, toErrorInfo } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { failRun, failTask, releaseTask, sliceAttempts } from '../core/task-state.ts';
import type { IncomingMessage, MessageBus, Topic } from '../ports/message-bus.ts';
import type { StateStore } from '../ports/state-store.ts';
import { clearPosition, positionBuffer, readPosition } from './task-position.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

const WORKER_URL = new URL(
  `./task-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

interface Job {
  id: number;
  topic: Topic;
  message: IncomingMessage;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: Job;
  /** Where the worker writes its task's position (the reduce key it is on). */
  position: SharedArrayBuffer;
}

export interface WorkerPoolOptions {
  size: number;
  /** Old-generation cap of each worker, in MiB (see DEFAULTS.workerHeapMb). */
  heapMb?: number;
  init: Omit<WorkerInit, 'workerId'>;
  bus: MessageBus;
  state: StateStore;
  logger: Logger;
  onProgress?: (p: { runId: string; taskId: string; records: number }) => void;
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    for (let i = 0; i < options.size; i++) this.#slots.push(this.#spawn(i));
  }

  /** Resolves once every first worker has loaded and said it is ready. */
  get ready(): Promise<void> {
    return Promise.all(this.#slots.map((s) => s.ready)).then(() => undefined);
  }

  /** Runs a map or reduce message on a worker through the shared dispatch policy. */
  run(topic: Topic, message: IncomingMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, topic, message, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('worker pool closed'));
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  #spawn(index: number): Slot {
    const position = positionBuffer();
    const init: WorkerInit = {
      ...this.#options.init,
      workerId: `local-${process.pid}-w${index}-${Date.now().toString(36)}`,
      position,
    };
    const worker = new Worker(WORKER_URL, {
      workerData: init,
      ...(this.#options.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.#options.heapMb } } : {}),
    });
    let markReady!: () => void;
    const slot: Slot = { worker, ready: new Promise((r) => (markReady = r)), position };
    worker.on('message', (m: FromWorker) => this.#onMessage(slot, m, markReady));
    worker.on('error', (err) => this.#onExit(index, slot, err));
    worker.on('exit', (code) => this.#onExit(index, slot, new Error(`task worker exited with code ${code}`)));
    return slot;
  }

  #onMessage(slot: Slot, m: FromWorker, markReady: () => void): void {
    const { logger, bus } = this.#options;
    switch (m.type) {
      case 'ready':
        markReady();
        this.#pump();
        return;
      case 'log':
        logger[m.severity === 'WARNING' ? 'warn' : (m.severity.toLowerCase() as 'debug' | 'info' | 'error')](
          m.message,
          m.fields,
        );
        return;
      case 'progress':
        this.#options.onProgress?.(m);
        return;
      case 'publish':
        bus.publish(m.topic, m.messages).then(
          (ids) => slot.worker.postMessage({ type: 'published', id: m.id, ids } satisfies ToWorker),
          (err: unknown) =>
            slot.worker.postMessage({
              type: 'published',
              id: m.id,
              error: toErrorInfo(err),
            } satisfies ToWorker),
        );
        return;
      case 'done': {
        const job = slot.job;
        slot.job = undefined;
        if (job && m.error) job.reject(fromErrorInfo(m.error));
        else job?.resolve();
        this.#pump();
      }
    }
  }

  #onExit(index: number, slot: Slot, err: Error): void {
    if (this.#closed || this.#slots[index] !== slot) return;
    const job = slot.job;
    slot.job = undefined;
    // Where the task was when the worker died, if it said (a reduce key); only a task's own.
    const position = job ? readPosition(slot.position) : undefined;
    if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      err = new Error(outOfMemory(this.#options.heapMb, position), { cause: err });
    }
    const task = job?.message.data as { runId?: string; taskId?: string } | undefined;
    this.#options.logger.error(`task worker ${index} died: ${err.message}`, { taskId: task?.taskId });
    this.#slots[index] = this.#spawn(index);
    if (!job) return;
    if (!task?.runId || !task.taskId) return job.reject(err);
    this.#recordDeath(task.runId, task.taskId, err, position).then(
      (final) => (final ? job.resolve() : job.reject(err)),
      (recordErr: unknown) => {
        this.#options.logger.error('recording a worker death failed', { error: toErrorInfo(recordErr) });
        job.reject(err);
      },
    );
  }

  /**
   * The dead worker's attempt failed: counted like any failed attempt. Returns true when that was
   * the last one and the run is failed (the message is then done with), false for a retry.
   */
  async #recordDeath(runId: string, taskId: string, err: Error, position?: string): Promise<boolean> {
    const { state } = this.#options;
    const [task, run] = await Promise.all([state.getTask(runId, taskId), state.getRun(runId)]);
    if (!task || !run || task.state !== 'RUNNING') {
      await state.updateTask(runId, taskId, releaseTask(Date.now()));
      return false;
    }
    const attempts = sliceAttempts(task);
    const final = run.status !== 'RUNNING' || attempts >= run.options.maxAttempts;
    const info = toErrorInfo(err, position);
    const updated = await state.updateTask(runId, taskId, failTask(task.attempt, info, final, Date.now()));
    if (!updated?.changed) return false; // another attempt owns the task now
    if (final && run.status === 'RUNNING') {
      this.#options.logger.error(
        `task failed: its worker died on attempt ${attempts} of ${run.options.maxAttempts}`,
        {
          runId,
          taskId,
        },
      );
      await state.updateRun(
        runId,
        failRun(
          { ...info, message: `${info.message} (attempt ${attempts} of ${run.options.maxAttempts})`, taskId },
          Date.now(),
        ),
      );
    }
    return final;
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (slot.job || this.#queue.length === 0) continue;
      void slot.ready.then(() => {
        if (slot.job || this.#closed) return;
        const job = this.#queue.shift();
        if (!job) return;
        slot.job = job;
        clearPosition(slot.position);
        slot.worker.postMessage({
          type: 'task',
          id: job.id,
          topic: job.topic,
          message: job.message,
        } satisfies ToWorker);
      });
    }
  }
}

/**
 * What a worker's death out of heap means and what helps: raising the cap (never lowering the
 * budget, which lowers it). With the reduce key it was on, the advice is about that reducer.
 */
function outOfMemory(heapMb: number | undefined, position: string | undefined): string {
  const capped = `task worker ran out of memory (heap capped at ${heapMb} MiB: twice the memory budget plus 256)`;
  if (position?.startsWith('key '))
    return (
      `${capped} while reducing ${position}. A reducer that keeps all the values of a key in memory ` +
      'needs room for its largest key: iterate the values with for await and keep only what the result ' +
      'needs (a count, a sum, a bounded sample), or raise the cap with a larger --memory-budget or ' +
      'CLOUDREDUCE_WORKER_HEAP_MB.'
    );
  return (
    `${capped}. What it held at once did not fit: one very large record or key (a huge line, a ` +
    'reduce that keeps all values of a key), large side inputs, or state the job keeps. Raise the ' +
    'cap with a larger --memory-budget or CLOUDREDUCE_WORKER_HEAP_MB, or hold less at once.'
  );
}
