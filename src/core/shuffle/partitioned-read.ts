// One ranged read of consecutive partitions of a shuffle object, handed out partition by partition.
// A reduce task that covers partitions [first, end) reads each source object's whole range for
// them in ONE request (partitions are stored in order, see docs/shuffle-format.md) and merges
// partition first, then first + 1, … from the same open stream. The request opens lazily, when the
// first non-empty partition is asked for, so a merge holds at most one connection per source.

export type OpenRange = (start: number, end: number) => AsyncIterable<Buffer>;

export class PartitionedRead {
  readonly #open: OpenRange;
  readonly #offset: number;
  readonly #starts: number[];
  readonly #lengths: readonly number[];
  #iterator: AsyncIterator<Buffer> | undefined;
  /** Bytes received but not yet handed out, and the position of its first byte (relative). */
  #pending: Buffer | undefined;
  #pos = 0;
  #next = 0;

  /** `offset`: the object byte where partition 0 of `lengths` starts. */
  constructor(open: OpenRange, offset: number, lengths: readonly number[]) {
    this.#open = open;
    this.#offset = offset;
    this.#lengths = lengths;
    this.#starts = [];
    let start = 0;
    for (const length of lengths) {
      this.#starts.push(start);
      start += length;
    }
    this.#starts.push(start);
  }

  get totalBytes(): number {
    return this.#starts.at(-1)!;
  }

  /**
   * The bytes of partition `i` (relative to the range). Partitions must be asked for in increasing
   * order; bytes of partitions skipped, or left unread by a consumer that stopped early, are dropped.
   */
  async *partition(i: number): AsyncGenerator<Buffer> {
    if (i < this.#next) {
      throw new Error(
        `PartitionedRead: partition ${i} asked for after partition ${this.#next - 1}; ask in order.`,
      );
    }
    this.#next = i + 1;
    const length = this.#lengths[i] ?? 0;
    if (length === 0) return;
    const start = this.#starts[i]!;
    const end = start + length;
    for (;;) {
      if (this.#pos >= end) return;
      const chunk = this.#pending ?? (await this.#read(end));
      this.#pending = undefined;
      const chunkEnd = this.#pos + chunk.length;
      if (chunkEnd <= start) {
        this.#pos = chunkEnd; // wholly before this partition: skipped
        continue;
      }
      const from = Math.max(0, start - this.#pos);
      const to = Math.min(chunk.length, end - this.#pos);
      if (to < chunk.length) this.#pending = chunk.subarray(to);
      this.#pos += to;
      if (to > from) yield chunk.subarray(from, to);
    }
  }

  async close(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#pending = undefined;
    await iterator?.return?.();
  }

  async #read(needEnd: number): Promise<Buffer> {
    this.#iterator ??= this.#open(this.#offset, this.#offset + this.totalBytes)[Symbol.asyncIterator]();
    const next = await this.#iterator.next();
    if (next.done === true) {
      throw new Error(
        `Shuffle range truncated: the read of bytes ${this.#offset}..${this.#offset + this.totalBytes} ended at ${this.#offset + this.#pos}, before byte ${this.#offset + needEnd} that the index promised.`,
      );
    }
    return next.value;
  }
}
