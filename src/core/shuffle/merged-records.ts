// k-way merge of key-sorted record streams: a binary heap over cursors ordered by (key, source
// order). Cursors hold decoded batches, so advancing is synchronous except when a batch runs out;
// `next()` returns a promise only then. Ties go to the earlier source, which keeps equal keys in
// source order (map objects on the reduce side, spill runs on the map side).

import type { ShuffleRecord } from './format.ts';

class Cursor {
  readonly order: number;
  readonly #source: AsyncIterator<ShuffleRecord[]>;
  #batch: ShuffleRecord[] = [];
  #pos = 0;
  key = '';
  value = '';

  constructor(source: AsyncIterable<ShuffleRecord[]>, order: number) {
    this.order = order;
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Moves to the next record of the current batch; false when the batch is used up. */
  advance(): boolean {
    const record = this.#batch[++this.#pos];
    if (record === undefined) return false;
    this.key = record.key;
    this.value = record.value;
    return true;
  }

  /** Loads the next non-empty batch; false at the end of the source. */
  async refill(): Promise<boolean> {
    for (;;) {
      const next = await this.#source.next();
      if (next.done === true) return false;
      if (next.value.length > 0) {
        this.#batch = next.value;
        this.#pos = -1;
        return this.advance();
      }
    }
  }

  async close(): Promise<void> {
    await this.#source.return?.();
  }
}

export class MergedRecords {
  readonly #heap: Cursor[];

  private constructor(heap: Cursor[]) {
    this.#heap = heap;
  }

  /** Opens all sources and positions on the smallest record. */
  static async open(sources: readonly AsyncIterable<ShuffleRecord[]>[]): Promise<MergedRecords> {
    const cursors = sources.map((s, i) => new Cursor(s, i));
    const live: Cursor[] = [];
    try {
      const ready = await Promise.all(cursors.map((c) => c.refill()));
      cursors.forEach((c, i) => (ready[i] ? live.push(c) : undefined));
    } catch (err) {
      await Promise.allSettled(cursors.map((c) => c.close()));
      throw err;
    }
    const merged = new MergedRecords(live);
    for (let i = (live.length >> 1) - 1; i >= 0; i--) merged.#siftDown(i);
    return merged;
  }

  get done(): boolean {
    return this.#heap.length === 0;
  }

  /** Key of the current record; only valid while `!done`. */
  get key(): string {
    return this.#heap[0]!.key;
  }

  /** JSON value of the current record; only valid while `!done`. */
  get value(): string {
    return this.#heap[0]!.value;
  }

  /** Moves past the current record; returns a promise only when a source had to be read. */
  next(): Promise<void> | undefined {
    const top = this.#heap[0]!;
    if (!top.advance()) return this.#refillTop(top);
    if (this.#heap.length > 1) this.#siftDown(0);
    return undefined;
  }

  /** Closes the sources still open; call when stopping early. */
  async close(): Promise<void> {
    const open = this.#heap.splice(0);
    await Promise.allSettled(open.map((c) => c.close()));
  }

  async #refillTop(top: Cursor): Promise<void> {
    if (!(await top.refill())) {
      const last = this.#heap.pop()!;
      if (last === top) return;
      this.#heap[0] = last;
    }
    if (this.#heap.length > 1) this.#siftDown(0);
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(heap[right]!, heap[child]!)) child = right;
      const c = heap[child]!;
      if (!before(c, item)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}

function before(a: Cursor, b: Cursor): boolean {
  return a.key < b.key || (a.key === b.key && a.order < b.order);
}
