// The map-side buffer between spills: values grouped by key in a hash table. Grouping on emit
// means a spill sorts distinct keys, not records, and equal keys keep their emit order without a
// stable sort over every record. With a combiner it is hash aggregation: a key emitted a million
// times holds one value, or a few, not a million.
//
// String and number keys are looked up by themselves (one string has one encoding, and a Map
// already treats -0 as 0), so the hot path encodes a key only when it first enters the buffer.
// Tuples are looked up by their encoding. Byte counts are estimates: string lengths plus an
// allowance for the objects, array slots and Map entries around them.

import { encodeKey, encodedLength, partitionOf } from '../keys.ts';
import type { EncodedKey, Key } from '../keys.ts';
import { runCombine } from './combine.ts';
import type { CombineFn } from './combine.ts';
import { sortByKey } from './sort-keys.ts';
import { checkValue, estimateValueBytes, valueToJson } from './value-json.ts';

/**
 * One partition of a spill: its keys sorted, and each key's values as JSON at the same index, in
 * emit order (or as combine returned them): one text when the key has one value, else a list. Two
 * parallel arrays rather than an object per key, as a drain holds every key of a map task at once.
 */
export interface SortedPartition {
  keys: EncodedKey[];
  values: (string | string[])[];
}

/** A spill: per partition, its keys sorted. */
export type SortedRun = SortedPartition[];

export interface EmitBuffer {
  /** Buffers one pair; throws ConfigError for a bad key or a value JSON cannot carry. */
  add(key: Key, value: unknown): void;
  /** Estimated bytes held. */
  readonly bytes: number;
  readonly empty: boolean;
  /** Hands out the contents sorted by (partition, key) and starts empty again. */
  drain(partitions: number): SortedRun;
}

/** A Map entry and the entry object or array it points to. */
const ENTRY_OVERHEAD = 112;
/** An array slot and a string header, per JSON value. */
const VALUE_OVERHEAD = 24;
/** A key held as a bare number: its Map entry and the entry's allowance, as if it had one. */
const NUMBER_ENTRY_BYTES = ENTRY_OVERHEAD + 16;
/** Object values a key collects before the combiner folds them. */
export const COMBINE_THRESHOLD = 32;

/** Without a combiner: every value, as JSON, grouped by key. */
export class JsonBuffer implements EmitBuffer {
  #primitives = new Map<string | number, string[]>();
  #tuples = new Map<EncodedKey, string[]>();
  bytes = 0;

  get empty(): boolean {
    return this.#primitives.size === 0 && this.#tuples.size === 0;
  }

  add(key: Key, value: unknown): void {
    const json = valueToJson(key, value);
    let values: string[] | undefined;
    let encoded: EncodedKey | undefined;
    if (typeof key === 'string' || typeof key === 'number') values = this.#primitives.get(key);
    else values = this.#tuples.get((encoded = encodeKey(key)));
    if (values === undefined) {
      encoded ??= encodeKey(key); // validates the key before it is stored
      if (typeof key === 'string' || typeof key === 'number') this.#primitives.set(key, [json]);
      else this.#tuples.set(encoded, [json]);
      this.bytes += ENTRY_OVERHEAD + encoded.length + json.length + VALUE_OVERHEAD;
      return;
    }
    values.push(json);
    this.bytes += json.length + VALUE_OVERHEAD;
  }

  drain(partitions: number): SortedRun {
    const run = emptyRun(partitions);
    this.#primitives.forEach((values, key) => add(run, encodeKey(key), one(values)));
    this.#tuples.forEach((values, encoded) => add(run, encoded, one(values)));
    this.#primitives = new Map();
    this.#tuples = new Map();
    this.bytes = 0;
    return sortRun(run);
  }
}

interface Entry {
  key: Key;
  /** The key's encoding, made once when the key enters the buffer (it validates the key). */
  encoded: EncodedKey;
  /** The value while the key has one primitive value: combined pairwise as values arrive. */
  value: unknown;
  /** Otherwise the values collected since the last fold. */
  values: unknown[] | undefined;
  bytes: number;
  /** The part of `bytes` that is the entry and its key. */
  keyBytes: number;
  /** Size of the last object value measured; later object values of the key are assumed alike. */
  objectBytes: number;
  foldAt: number;
}

/**
 * With a combiner. Primitive aggregates (counts, sums, maxima) are combined pairwise as values arrive:
 * V8 inlines the combiner and elides its two small arrays, so this costs about what a hand-written
 * Map update costs. A string or number key whose value is a number (the commonest aggregate) is held
 * as that number alone, with no entry object and no encoded key until the buffer is drained: a map
 * task emitting tens of thousands of distinct words then leaves a Map of numbers for the garbage
 * collector to copy and promote, not an object and a string per word. Object values are collected
 * and folded every COMBINE_THRESHOLD values, so a combiner that merges growing objects runs that
 * many times less often.
 */
export class CombiningBuffer implements EmitBuffer {
  readonly #combine: CombineFn;
  /** A number while the key's one value is a finite number, else the key's Entry. */
  #primitives = new Map<string | number, number | Entry>();
  #tuples = new Map<EncodedKey, Entry>();
  bytes = 0;

  constructor(combine: CombineFn) {
    this.#combine = combine;
  }

  get empty(): boolean {
    return this.#primitives.size === 0 && this.#tuples.size === 0;
  }

  add(key: Key, value: unknown): void {
    checkValue(key, value);
    if (typeof key === 'string' || typeof key === 'number') return this.#addPrimitiveKey(key, value);
    const encoded = encodeKey(key);
    const entry = this.#tuples.get(encoded);
    if (entry === undefined) return this.#insert(key, encoded, value);
    this.#addToEntry(entry, value);
  }

  #addPrimitiveKey(key: string | number, value: unknown): void {
    const held = this.#primitives.get(key);
    if (held === undefined) {
      if (typeof value !== 'number') return this.#insert(key, encodeKey(key), value);
      const bytes = NUMBER_ENTRY_BYTES + encodedLength(key); // checks the key
      this.#primitives.set(key, value);
      this.bytes += bytes;
      return;
    }
    if (typeof held !== 'number') return this.#addToEntry(held, value);
    if (typeof value !== 'number') return this.#addToEntry(this.#entryOf(key, held), value);
    const out = runCombine(this.#combine, key, [held, value]);
    const next = out[0];
    if (out.length === 1 && typeof next === 'number' && next - next === 0) {
      this.#primitives.set(key, next);
      return;
    }
    this.#combined(this.#entryOf(key, held), held, out);
  }

  #addToEntry(entry: Entry, value: unknown): void {
    if (entry.values === undefined) {
      const current = entry.value;
      if (isPrimitive(current) && isPrimitive(value)) {
        return this.#combined(entry, current, runCombine(this.#combine, entry.key, [current, value]));
      }
      entry.values = [current];
      entry.value = undefined;
    }
    const bytes =
      typeof value !== 'object' || value === null
        ? estimateValueBytes(entry.key, value)
        : this.#objectBytes(entry, value);
    entry.values.push(value);
    entry.bytes += bytes;
    this.bytes += bytes;
    if (entry.values.length >= entry.foldAt) this.#fold(entry, entry.values);
  }

  drain(partitions: number): SortedRun {
    const run = emptyRun(partitions);
    this.#primitives.forEach((held, key) => {
      if (typeof held === 'number') add(run, encodeKey(key), valueToJson(key, held));
      else add(run, held.encoded, this.#json(held));
    });
    this.#tuples.forEach((entry) => add(run, entry.encoded, this.#json(entry)));
    this.#primitives = new Map();
    this.#tuples = new Map();
    this.bytes = 0;
    return sortRun(run);
  }

  #insert(key: Key, encoded: EncodedKey, value: unknown): void {
    const entry = this.#newEntry(key, encoded, value);
    if (typeof key === 'string' || typeof key === 'number') this.#primitives.set(key, entry);
    else this.#tuples.set(encoded, entry);
    this.bytes += entry.bytes;
  }

  #newEntry(key: Key, encoded: EncodedKey, value: unknown): Entry {
    const valueBytes = estimateValueBytes(key, value);
    const keyBytes = ENTRY_OVERHEAD + encoded.length;
    const entry: Entry = {
      key,
      encoded,
      value,
      values: undefined,
      bytes: keyBytes + valueBytes,
      keyBytes,
      objectBytes: 0,
      foldAt: COMBINE_THRESHOLD,
    };
    if (typeof value === 'object' && value !== null) {
      entry.values = [value];
      entry.value = undefined;
      entry.objectBytes = valueBytes;
    }
    return entry;
  }

  /** A key held as a bare number gets its Entry (its bytes were counted as an entry's already). */
  #entryOf(key: string | number, value: number): Entry {
    const entry = this.#newEntry(key, encodeKey(key), value);
    this.#primitives.set(key, entry);
    return entry;
  }

  /** What combine made of the key's primitive value and the new one. */
  #combined(entry: Entry, current: unknown, out: unknown[]): void {
    const next = out[0];
    if (out.length === 1 && isPrimitive(next)) {
      checkValue(entry.key, next, 'returned by combine');
      entry.value = next;
      if (typeof next !== 'number' || typeof current !== 'number') {
        const delta = estimateValueBytes(entry.key, next) - estimateValueBytes(entry.key, current);
        entry.bytes += delta;
        this.bytes += delta;
      }
    } else {
      entry.value = undefined;
      this.#fold(entry, out, false);
    }
  }

  /** Replaces the values by what combine makes of them (or by `values` as they are, when `combine` is false). */
  #fold(entry: Entry, values: unknown[], combine = true): void {
    const folded = combine ? runCombine(this.#combine, entry.key, values) : values;
    let bytes = entry.keyBytes;
    for (const value of folded) {
      checkValue(entry.key, value, 'returned by combine');
      const size = estimateValueBytes(entry.key, value, 'returned by combine');
      if (typeof value === 'object' && value !== null) entry.objectBytes = size;
      bytes += size;
    }
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    if (folded.length === 1 && isPrimitive(folded[0])) {
      // Back to pairwise, e.g. objects of a key summed into a number.
      entry.value = folded[0];
      entry.values = undefined;
      return;
    }
    entry.values = folded;
    // A combiner that does not shrink the list would otherwise run again on every emit.
    entry.foldAt = Math.max(COMBINE_THRESHOLD, 2 * folded.length);
  }

  #objectBytes(entry: Entry, value: object): number {
    return entry.objectBytes || (entry.objectBytes = estimateValueBytes(entry.key, value));
  }

  #json(entry: Entry): string | string[] {
    if (entry.values === undefined) return valueToJson(entry.key, entry.value);
    if (entry.values.length === 1) return valueToJson(entry.key, entry.values[0]);
    return one(
      runCombine(this.#combine, entry.key, entry.values).map((v) =>
        valueToJson(entry.key, v, 'returned by combine'),
      ),
    );
  }
}

function isPrimitive(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}

function emptyRun(partitions: number): SortedRun {
  return Array.from({ length: partitions }, () => ({ keys: [], values: [] }));
}

function add(run: SortedRun, key: EncodedKey, values: string | string[]): void {
  const partition = run[partitionOf(key, run.length)]!;
  partition.keys.push(key);
  partition.values.push(values);
}

/** A list of one value as that value. */
function one(values: string[]): string | string[] {
  return values.length === 1 ? values[0]! : values;
}

/** Keys are distinct here (each buffer is a Map by key); the sort is stable all the same. */
function sortRun(run: SortedRun): SortedRun {
  for (const partition of run) sortByKey(partition.keys, partition.values);
  return run;
}
