// Serialises async work per key within one process.
//
// Datastore-mode databases lock pessimistically: concurrent transactions that read one entity all
// take shared locks, none can upgrade to write, and all but one wait for a lock timeout (about 2 s
// on the emulator) and abort. Updates of one key from the same process gain nothing from running
// at once, so they take turns here; contention across processes is still retried.

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
