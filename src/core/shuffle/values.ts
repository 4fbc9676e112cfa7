// The values of one key on the reduce side. They stream out of the merge as the reducer asks for
// them, so a key may have more values than fit in memory; JSON is parsed only for values handed
// out (with a combiner, in batches, because the combiner needs them parsed).

import type { Values } from '../job.ts';
import type { Key } from '../keys.ts';
import { describeKey, runCombine } from './combine.ts';
import type { CombineFn } from './combine.ts';
import type { MergedRecords } from './merged-records.ts';
import { parseValueJson } from './value-json.ts';

/** Values handed to one combine call on the reduce side. */
export const REDUCE_COMBINE_BATCH = 1000;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class GroupValues implements Values<unknown>, AsyncIterator<unknown> {
  readonly #merged: MergedRecords;
  readonly #encodedKey: string;
  readonly #key: Key;
  readonly #combine: CombineFn | undefined;
  /** Combined values not yet handed out (combine mode only). */
  #buffer: unknown[] = [];
  #next = 0;
  #closed = false;
  /** An unfinished asynchronous step; later calls wait for it, since the merge moves underneath. */
  #busy: Promise<unknown> | undefined;

  constructor(merged: MergedRecords, encodedKey: string, key: Key, combine: CombineFn | undefined) {
    this.#merged = merged;
    this.#encodedKey = encodedKey;
    this.#key = key;
    this.#combine = combine;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#busy) return this.#busy.then(() => this.next());
    if (this.#combine) {
      if (this.#next < this.#buffer.length) {
        return Promise.resolve({ done: false, value: this.#buffer[this.#next++] });
      }
      if (!this.#hasMore()) return Promise.resolve(DONE);
      let filling: Promise<void> | undefined;
      try {
        filling = this.#fill();
      } catch (err) {
        return Promise.reject(err as Error);
      }
      // Filled without waiting for a source (the usual case): no promise chain per key.
      if (filling === undefined) return this.next();
      return this.#track(filling).then(() => this.next());
    }
    if (!this.#hasMore()) return Promise.resolve(DONE);
    let value: unknown;
    try {
      value = this.#parse(this.#merged.value);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const moving = this.#merged.next();
    const result = { done: false, value } as const;
    return moving ? this.#track(moving.then(() => result)) : Promise.resolve(result);
  }

  /** Stops early (`break` in for-await); the grouper skips the rest before the next key. */
  return(): Promise<IteratorResult<unknown>> {
    return Promise.resolve(DONE);
  }

  /** Collects the values not handed out yet. */
  async toArray(): Promise<unknown[]> {
    if (this.#busy) await this.#busy;
    const out: unknown[] = [];
    const merged = this.#merged;
    for (;;) {
      if (this.#combine) {
        for (; this.#next < this.#buffer.length; this.#next++) out.push(this.#buffer[this.#next]);
        if (!this.#hasMore()) return out;
        await this.#fill();
      } else {
        while (this.#hasMore()) {
          out.push(this.#parse(merged.value));
          const moving = merged.next();
          if (moving) await moving;
        }
        return out;
      }
    }
  }

  /** Ends this key: later calls see no values, and the merge moves past any the reducer left. */
  async close(): Promise<void> {
    if (this.#busy) await this.#busy.catch(() => undefined);
    this.#closed = true;
    this.#buffer = [];
    const merged = this.#merged;
    while (!merged.done && merged.key === this.#encodedKey) {
      const moving = merged.next();
      if (moving) await moving;
    }
  }

  #hasMore(): boolean {
    return !this.#closed && !this.#merged.done && this.#merged.key === this.#encodedKey;
  }

  /**
   * Gathers the next batch of values and combines it. Synchronous (returns undefined) unless a
   * source has to be read; then the rest of the batch is gathered after it.
   */
  #fill(): Promise<void> | undefined {
    const batch: unknown[] = [];
    const moving = this.#gather(batch);
    if (moving === undefined) return this.#combineBatch(batch);
    return (async () => {
      for (let wait: Promise<void> | undefined = moving; wait; wait = this.#gather(batch)) await wait;
      this.#combineBatch(batch);
    })();
  }

  /** Adds values to `batch` until it is full or the key ends; a promise when a source must be read first. */
  #gather(batch: unknown[]): Promise<void> | undefined {
    const merged = this.#merged;
    while (batch.length < REDUCE_COMBINE_BATCH && this.#hasMore()) {
      batch.push(this.#parse(merged.value));
      const moving = merged.next();
      if (moving) return moving;
    }
    return undefined;
  }

  #combineBatch(batch: unknown[]): undefined {
    this.#buffer = batch.length > 1 ? runCombine(this.#combine!, this.#key, batch) : batch;
    this.#next = 0;
    return undefined;
  }

  #track<T>(step: Promise<T>): Promise<T> {
    const tracked = step.finally(() => {
      if (this.#busy === tracked) this.#busy = undefined;
    });
    this.#busy = tracked;
    return tracked;
  }

  #parse(json: string): unknown {
    try {
      return parseValueJson(json);
    } catch (err) {
      throw new Error(
        `Corrupt shuffle value for key ${describeKey(this.#key)}: it is not valid JSON (${(err as Error).message}). The map object is damaged.`,
        { cause: err },
      );
    }
  }
}
