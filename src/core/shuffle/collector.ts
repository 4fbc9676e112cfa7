// Map side of the shuffle: everything between a mapper's emit and the map task's one intermediate
// object. Emits go to an in-memory buffer (hash-aggregated when the stage has a combiner); when the
// buffer passes its memory budget the map task awaits `spill()`, which writes it as one sorted run
// to local scratch. `finish()` streams the final object: a merge of all runs and the buffer.

import { mkdir, mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { ConfigError } from '../errors.ts';
import type { Key } from '../keys.ts';
import { encodeSorted, sortedSource, mergeSorted } from './build.ts';
import type { CombineFn } from './combine.ts';
import { decodeRecords } from './decoder.ts';
import { CombiningBuffer, JsonBuffer } from './emit-buffer.ts';
import type { EmitBuffer } from './emit-buffer.ts';
import { ObjectEncoder } from './encoder.ts';
import type { PartitionIndex, ShuffleRecord } from './format.ts';
import { readRange, writeChunks } from './run-file.ts';

export type { PartitionIndex } from './format.ts';

export interface CollectorOptions {
  partitions: number;
  memoryBudgetBytes: number;
  /** The stage's combiner, already bound to the job context. */
  combine?: CombineFn;
  /** Spill runs go here (in a private subdirectory); created if missing. */
  scratchDir: string;
}

/** Runs merged at once; more are first merged in groups, which bounds open files and read buffers. */
export const MAX_MERGE_FAN_IN = 64;
const MIN_READ_CHUNK_BYTES = 64 * 1024;
const MAX_READ_CHUNK_BYTES = 1024 * 1024;

interface Run {
  path: string;
  index: PartitionIndex;
}

export class ShuffleCollector {
  readonly #partitions: number;
  readonly #budget: number;
  readonly #combine: CombineFn | undefined;
  readonly #scratchDir: string;
  readonly #buffer: EmitBuffer;
  #runs: Run[] = [];
  #runDir: string | undefined;
  #createdScratchDir = false;
  #nextRun = 0;
  #spills = 0;
  #recordsIn = 0;
  #spilling: Promise<void> | undefined;
  #state: 'open' | 'finishing' | 'finished' | 'disposed' = 'open';
  #index: PartitionIndex | undefined;

  constructor(options: CollectorOptions) {
    const { partitions, memoryBudgetBytes } = options;
    if (!Number.isSafeInteger(partitions) || partitions < 1) {
      throw new ConfigError(
        `Shuffle partitions must be a whole number of at least 1; got ${partitions}. Set partitions on the stage or --partitions.`,
      );
    }
    if (typeof memoryBudgetBytes !== 'number' || !(memoryBudgetBytes > 0)) {
      throw new ConfigError(
        `memoryBudgetBytes must be a positive number of bytes; got ${memoryBudgetBytes}. Set it on the stage or leave it to the default.`,
      );
    }
    this.#partitions = partitions;
    this.#budget = memoryBudgetBytes;
    this.#combine = options.combine;
    this.#scratchDir = resolve(options.scratchDir);
    this.#buffer = options.combine ? new CombiningBuffer(options.combine) : new JsonBuffer();
  }

  /** Buffers one pair; throws ConfigError for a bad key or a value JSON cannot carry. */
  emit(key: Key, value: unknown): void {
    if (this.#state !== 'open') {
      throw new Error(
        'ShuffleCollector.emit() after finish() or dispose(); the map task must emit before finishing.',
      );
    }
    this.#buffer.add(key, value);
    this.#recordsIn++;
  }

  /** True when the buffer has passed the memory budget: await `spill()` before emitting more. */
  get overBudget(): boolean {
    return this.#buffer.bytes >= this.#budget;
  }

  get spills(): number {
    return this.#spills;
  }

  get recordsIn(): number {
    return this.#recordsIn;
  }

  /** Sorts the buffer by (partition, key) and writes it to scratch as one run. */
  async spill(): Promise<void> {
    while (this.#spilling) await this.#spilling;
    if (this.#buffer.empty) return;
    const encoder = new ObjectEncoder(this.#partitions);
    const chunks = encodeSorted(this.#buffer.drain(this.#partitions), encoder);
    this.#spilling = this.#writeRun(chunks, encoder).finally(() => (this.#spilling = undefined));
    await this.#spilling;
    this.#spills++;
  }

  /** The whole intermediate object, header to footer. Call once, after the last emit. */
  finish(): AsyncIterable<Buffer> {
    if (this.#state !== 'open')
      throw new Error('ShuffleCollector.finish() was called twice, or after dispose().');
    this.#state = 'finishing';
    return this.#build();
  }

  /** Byte range and record count of each partition; available once `finish()` was fully consumed. */
  get index(): PartitionIndex {
    if (this.#index === undefined) {
      throw new Error(
        'ShuffleCollector.index is available only after the iterable from finish() has been fully consumed.',
      );
    }
    return this.#index;
  }

  /** Deletes the spill runs; call always, also after a failure. */
  async dispose(): Promise<void> {
    this.#state = 'disposed';
    if (this.#spilling) await this.#spilling.catch(() => undefined);
    if (this.#runDir) await rm(this.#runDir, { recursive: true, force: true });
    this.#runs = [];
    // Only the directory we created, and only if nothing else has put files there.
    if (this.#createdScratchDir) await rmdir(this.#scratchDir).catch(() => undefined);
  }

  async *#build(): AsyncGenerator<Buffer> {
    while (this.#spilling) await this.#spilling;
    const last = this.#buffer.drain(this.#partitions);
    const encoder = new ObjectEncoder(this.#partitions);
    if (this.#runs.length === 0) {
      yield* encodeSorted(last, encoder);
    } else {
      while (this.#runs.length > MAX_MERGE_FAN_IN) await this.#mergeRuns(MAX_MERGE_FAN_IN);
      const memory = (p: number) => [sortedSource(last[p]!)];
      yield* this.#withRuns(this.#runs, memory, (sourcesOf) =>
        mergeSorted(encoder, this.#partitions, sourcesOf, this.#combine),
      );
    }
    this.#index = encoder.index;
    this.#state = 'finished';
  }

  /** Replaces the first `count` runs by their merge; it holds the earliest emits, so it stays first. */
  async #mergeRuns(count: number): Promise<void> {
    const runs = this.#runs.slice(0, count);
    const encoder = new ObjectEncoder(this.#partitions);
    const path = await this.#newRunPath();
    await writeChunks(
      path,
      this.#withRuns(
        runs,
        () => [],
        (sourcesOf) => mergeSorted(encoder, this.#partitions, sourcesOf, this.#combine),
      ),
    );
    this.#runs = [{ path, index: encoder.index }, ...this.#runs.slice(count)];
    await Promise.all(runs.map((run) => rm(run.path, { force: true })));
  }

  /** Opens `runs` for reading; `body` gets each partition's sources: every run's range, then `extra`. */
  async *#withRuns(
    runs: Run[],
    extra: (partition: number) => AsyncIterable<ShuffleRecord[]>[],
    body: (sourcesOf: (partition: number) => AsyncIterable<ShuffleRecord[]>[]) => AsyncIterable<Buffer>,
  ): AsyncGenerator<Buffer> {
    // Read buffers for all runs together stay within about half the memory budget.
    const chunkBytes = Math.min(
      MAX_READ_CHUNK_BYTES,
      Math.max(MIN_READ_CHUNK_BYTES, Math.floor(this.#budget / (2 * runs.length))),
    );
    const files: FileHandle[] = [];
    try {
      for (const run of runs) files.push(await open(run.path, 'r'));
      const sourcesOf = (p: number) => [
        ...runs.map((run, i) => decodeRecords(readRange(files[i]!, run.index[p]!, chunkBytes))),
        ...extra(p),
      ];
      yield* body(sourcesOf);
    } finally {
      await Promise.allSettled(files.map((file) => file.close()));
    }
  }

  async #writeRun(chunks: Iterable<Buffer>, encoder: ObjectEncoder): Promise<void> {
    const path = await this.#newRunPath();
    await writeChunks(path, chunks);
    this.#runs.push({ path, index: encoder.index });
  }

  async #newRunPath(): Promise<string> {
    if (this.#runDir === undefined) {
      const created = await mkdir(this.#scratchDir, { recursive: true });
      this.#createdScratchDir = created !== undefined;
      // A private directory: two attempts given the same scratchDir must not share run names.
      this.#runDir = await mkdtemp(join(this.#scratchDir, 'spill-'));
    }
    return join(this.#runDir, `run-${String(this.#nextRun++).padStart(5, '0')}.crs`);
  }
}
