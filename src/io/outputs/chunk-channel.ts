// A one-producer, one-consumer byte queue that turns pushes into an AsyncIterable for
// BlobStore.put, so a part larger than the memory buffer streams to the store while the task keeps
// writing. `push` resolves when the queue is below its high-water mark: the producer's backpressure.

export class ChunkChannel implements AsyncIterable<Uint8Array> {
  readonly #highWaterBytes: number;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #wakeConsumer: (() => void) | undefined;
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(highWaterBytes: number) {
    this.#highWaterBytes = highWaterBytes;
  }

  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#failure) throw this.#failure.error;
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    this.#wake();
    if (this.#queuedBytes < this.#highWaterBytes) return undefined;
    this.#drained ??= withResolvers();
    return this.#drained.promise;
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** The consumer failed or went away: release a waiting producer and make later pushes throw. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#release();
    this.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const chunk = this.#queue.shift();
        if (chunk) {
          this.#queuedBytes -= chunk.length;
          if (this.#queuedBytes < this.#highWaterBytes) this.#release();
          yield chunk;
          continue;
        }
        // A failed channel must not end like a complete one, or the store would publish a cut part.
        if (this.#failure) throw this.#failure.error;
        if (this.#ended) return;
        await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      }
    } finally {
      if (!this.#ended && !this.#failure)
        this.fail(new Error('the blob store stopped reading the part before its end'));
    }
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  #release(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.resolve();
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
