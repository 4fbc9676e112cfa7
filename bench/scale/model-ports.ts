// The scale simulation's ports: the real SqliteStateStore behind a Datastore request-accounting
// wrapper, an in-memory GCS model that counts requests, and a bus that counts messages. During a
// measured invocation every state-store call and every blob put and read samples the LIVE heap
// (a forced GC, then the used size) on entry and again once its result exists, so the peak is the
// engine's live data at its port calls (where its code is between awaits: a page of task records
// just read, an index page about to be written), over a baseline taken after a GC.

import { getHeapStatistics } from 'node:v8';
import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import type { BlobData, BlobInfo, BlobStore, ByteRange, PutOptions } from '../../src/ports/blob-store.ts';
import type { MessageBus, OutgoingMessage, Topic } from '../../src/ports/message-bus.ts';
import type {
  Mutator,
  StateStore,
  TaskFilter,
  TaskPage,
  TaskPageRequest,
  UpdateResult,
} from '../../src/ports/state-store.ts';

export interface Usage {
  gcsReads: number;
  gcsWrites: number;
  gcsOther: number;
  dsReads: number;
  dsWrites: number;
  /** Datastore commits (transactions or batches of at most 500 mutations). */
  dsCommits: number;
  messages: number;
}

export const emptyUsage = (): Usage => ({
  gcsReads: 0,
  gcsWrites: 0,
  gcsOther: 0,
  dsReads: 0,
  dsWrites: 0,
  dsCommits: 0,
  messages: 0,
});

/** Counts per phase; `phase` is switched by the driver. */
export class Accounting {
  phase = 'split';
  readonly byPhase = new Map<string, Usage>();
  #peak = 0;
  #measuring = false;

  get usage(): Usage {
    let u = this.byPhase.get(this.phase);
    if (!u) this.byPhase.set(this.phase, (u = emptyUsage()));
    return u;
  }

  total(): Usage {
    const t = emptyUsage();
    for (const u of this.byPhase.values()) for (const k of Object.keys(t) as (keyof Usage)[]) t[k] += u[k];
    return t;
  }

  sample(): void {
    if (!this.#measuring) return;
    (globalThis as { gc?: () => void }).gc?.();
    const used = getHeapStatistics().used_heap_size;
    if (used > this.#peak) this.#peak = used;
  }

  /** Runs one invocation; returns its heap peak over a post-GC baseline, in bytes. */
  async measure(fn: () => Promise<void>): Promise<number> {
    (globalThis as { gc?: () => void }).gc?.();
    const base = getHeapStatistics().used_heap_size;
    this.#peak = base;
    this.#measuring = true;
    try {
      await fn();
      this.sample();
    } finally {
      this.#measuring = false;
    }
    return this.#peak - base;
  }
}

/** Datastore request model over a real StateStore (costs per the Datastore pricing units). */
export function countingState(inner: StateStore, acct: Accounting): StateStore {
  const wrote = () => {
    acct.usage.dsWrites++;
    acct.usage.dsCommits++;
  };
  /** Samples while the result is alive, then hands it on. */
  const held = <T>(result: T): T => {
    acct.sample();
    return result;
  };
  const read = (n: number) => {
    acct.sample();
    acct.usage.dsReads += n;
  };
  return {
    async insertRun(run: RunRecord) {
      read(0);
      acct.usage.dsWrites++;
      acct.usage.dsCommits++;
      return inner.insertRun(run);
    },
    async getRun(runId) {
      read(1);
      return held(await inner.getRun(runId));
    },
    async updateRun(runId, mutate: Mutator<RunRecord>) {
      read(1);
      const r = await inner.updateRun(runId, mutate);
      if (r?.changed) wrote();
      return held(r);
    },
    async listRuns(options) {
      const runs = await inner.listRuns(options);
      read(Math.max(1, runs.length));
      return runs;
    },
    async listRunsPage(filter, request) {
      const page = await inner.listRunsPage(filter, request);
      read(Math.max(1, page.runs.length));
      return page;
    },
    async insertTasks(tasks: readonly TaskRecord[]) {
      // The Datastore adapter looks the keys up and inserts the missing ones, 500 per commit.
      read(tasks.length);
      acct.usage.dsWrites += tasks.length;
      acct.usage.dsCommits += Math.ceil(tasks.length / 500);
      return inner.insertTasks(tasks);
    },
    async getTask(runId, taskId) {
      read(1);
      return inner.getTask(runId, taskId);
    },
    async getTasks(runId, taskIds) {
      read(taskIds.length);
      return inner.getTasks(runId, taskIds);
    },
    async updateTask(
      runId,
      taskId,
      mutate: Mutator<TaskRecord>,
    ): Promise<UpdateResult<TaskRecord> | undefined> {
      read(1);
      const r = await inner.updateTask(runId, taskId, mutate);
      if (r?.changed) wrote();
      return held(r);
    },
    async listTasks(runId, filter?: TaskFilter) {
      const tasks = await inner.listTasks(runId, filter);
      read(Math.max(1, tasks.length));
      return held(tasks);
    },
    async listTasksPage(runId, filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage> {
      const result = await inner.listTasksPage(runId, filter, page);
      read(Math.max(1, result.tasks.length));
      return held(result);
    },
    async countTasks(runId, filter: TaskFilter) {
      const n = await inner.countTasks(runId, filter);
      read(Math.max(1, Math.ceil(n / 1000))); // aggregation: 1 read per 1,000 index entries
      return n;
    },
  };
}

/**
 * GCS model: objects written with real bytes are kept (index pages); `putVirtual` records a size
 * only (map outputs, merge runs, parts, whose bytes the simulation does not produce).
 */
export class ModelBlobStore implements BlobStore {
  readonly location = 'gs://scale-sim';
  readonly #objects = new Map<string, Buffer | number>();
  readonly #writesPerName = new Map<string, number>();
  readonly #acct: Accounting;

  constructor(acct: Accounting) {
    this.#acct = acct;
  }

  get maxWritesPerName(): number {
    return Math.max(0, ...this.#writesPerName.values());
  }

  putVirtual(name: string, size: number): void {
    this.#write(name);
    if (!this.#objects.has(name)) this.#objects.set(name, size);
  }

  /** Requests the simulation models without issuing them (reads of virtual objects). */
  countReads(n: number): void {
    this.#acct.usage.gcsReads += n;
  }

  async put(
    name: string,
    data: BlobData,
    options: PutOptions = {},
  ): Promise<{ created: boolean; size: number }> {
    this.#acct.sample();
    const chunks: Buffer[] = [];
    if (typeof data === 'string' || data instanceof Uint8Array) chunks.push(Buffer.from(data));
    else for await (const c of data) chunks.push(Buffer.from(c));
    const bytes = Buffer.concat(chunks);
    this.#acct.sample();
    this.#write(name);
    if (options.createOnly && this.#objects.has(name)) return { created: false, size: bytes.length };
    this.#objects.set(name, bytes);
    return { created: true, size: bytes.length };
  }

  async get(name: string): Promise<Buffer> {
    return Buffer.concat(await collect(this.read(name)));
  }

  async *read(name: string, range?: ByteRange): AsyncIterable<Buffer> {
    this.#acct.sample();
    this.#acct.usage.gcsReads++;
    const object = this.#objects.get(name);
    if (object === undefined) throw new Error(`No such object: ${name}`);
    if (typeof object === 'number') throw new Error(`The simulation does not read virtual object ${name}`);
    yield range ? object.subarray(range.start, range.end) : object;
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    this.#acct.usage.gcsOther++;
    const object = this.#objects.get(name);
    return object === undefined ? undefined : { name, size: sizeOf(object) };
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const names = [...this.#objects.keys()].filter((n) => n.startsWith(prefix)).sort();
    this.#acct.usage.gcsOther += Math.max(1, Math.ceil(names.length / 1000)); // 1,000 per list page
    for (const name of names) yield { name, size: sizeOf(this.#objects.get(name)!) };
  }

  async delete(name: string): Promise<void> {
    this.#acct.usage.gcsWrites++; // a delete is an object mutation: it counts against write rates
    this.#objects.delete(name);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const names: string[] = [];
    for await (const info of this.list(prefix)) names.push(info.name);
    for (const name of names) await this.delete(name);
    return names.length;
  }

  #write(name: string): void {
    this.#acct.usage.gcsWrites++;
    this.#writesPerName.set(name, (this.#writesPerName.get(name) ?? 0) + 1);
  }
}

export class ModelBus implements MessageBus {
  readonly perTopic: Record<string, number> = {};
  readonly #acct: Accounting;

  constructor(acct: Accounting) {
    this.#acct = acct;
  }

  async publish(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]> {
    if (messages.length > 1000)
      throw new Error(`publish of ${messages.length} messages: Pub/Sub takes 1,000 per request`);
    this.#acct.sample();
    this.#acct.usage.messages += messages.length;
    this.perTopic[topic] = (this.perTopic[topic] ?? 0) + messages.length;
    return messages.map((_, i) => String(i));
  }
}

function sizeOf(object: Buffer | number): number {
  return typeof object === 'number' ? object : object.length;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const c of chunks) all.push(c);
  return all;
}
