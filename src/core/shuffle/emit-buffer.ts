// The map-side buffer between spills: values grouped by key in a hash table. Grouping on emit
// means a spill sorts distinct keys, not records, and equal keys keep their emit order without a
// stable sort over every record. With a combiner it is hash aggregation: a key emitted a million
// times holds one value, or a few, not a million.
//
// String and number keys are looked up by themselves (one string has one encoding, and a Map
// already treats -0 as 0), so the hot path encodes a key only when it first enters the buffer.
// Tuples are looked up by their encoding. Byte counts are estimates: string lengths plus an
// allowance for the objects, array slots and Map entries around them.

import { encodeKey, partitionOf } from '../keys.ts';
import type { EncodedKey, Key } from '../keys.ts';
import { runCombine } from './combine.ts';
import type { CombineFn } from './combine.ts';
import { sortByKey } from './sort-keys.ts';
import { checkValue, estimateValueBytes, valueToJson } from './value-json.ts';

/** One key of a spill and its values as JSON, in emit order (or as combine returned them). */
export interface SortedGroup {
  key: EncodedKey;
  values: string[];
}

/** A spill: per partition, groups sorted by key. */
export type SortedRun = SortedGroup[][];

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
    for (const [key, values] of this.#primitives) add(run, encodeKey(key), values);
    for (const [encoded, values] of this.#tuples) add(run, encoded, values);
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
 * Map update costs. Object values are collected and folded every COMBINE_THRESHOLD values, so a
 * combiner that merges growing objects runs that many times less often.
 */
export class CombiningBuffer implements EmitBuffer {
  readonly #combine: CombineFn;
  #primitives = new Map<string | number, Entry>();
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
    let entry: Entry | undefined;
    let encoded: EncodedKey | undefined;
    if (typeof key === 'string' || typeof key === 'number') entry = this.#primitives.get(key);
    else entry = this.#tuples.get((encoded = encodeKey(key)));
    if (entry === undefined) return this.#insert(key, encoded ?? encodeKey(key), value);
    if (entry.values === undefined) {
      const current = entry.value;
      if (isPrimitive(current) && isPrimitive(value)) return this.#pairwise(entry, current, value);
      entry.values = [current];
      entry.value = undefined;
    }
    const bytes =
      typeof value !== 'object' || value === null
        ? estimateValueBytes(key, value)
        : this.#objectBytes(entry, value);
    entry.values.push(value);
    entry.bytes += bytes;
    this.bytes += bytes;
    if (entry.values.length >= entry.foldAt) this.#fold(entry, entry.values);
  }

  drain(partitions: number): SortedRun {
    const run = emptyRun(partitions);
    for (const entry of this.#primitives.values()) add(run, entry.encoded, this.#json(entry));
    for (const entry of this.#tuples.values()) add(run, entry.encoded, this.#json(entry));
    this.#primitives = new Map();
    this.#tuples = new Map();
    this.bytes = 0;
    return sortRun(run);
  }

  #insert(key: Key, encoded: EncodedKey, value: unknown): void {
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
    if (typeof key === 'string' || typeof key === 'number') this.#primitives.set(key, entry);
    else this.#tuples.set(encoded, entry);
    this.bytes += entry.bytes;
  }

  #pairwise(entry: Entry, current: unknown, value: unknown): void {
    const out = runCombine(this.#combine, entry.key, [current, value]);
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

  #json(entry: Entry): string[] {
    if (entry.values === undefined) return [valueToJson(entry.key, entry.value)];
    if (entry.values.length === 1) return [valueToJson(entry.key, entry.values[0])];
    return runCombine(this.#combine, entry.key, entry.values).map((v) =>
      valueToJson(entry.key, v, 'returned by combine'),
    );
  }
}

function isPrimitive(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}

function emptyRun(partitions: number): SortedRun {
  return Array.from({ length: partitions }, () => []);
}

function add(run: SortedRun, key: EncodedKey, values: string[]): void {
  run[partitionOf(key, run.length)]!.push({ key, values });
}

/** Keys are distinct here (each buffer is a Map by key); the sort is stable all the same. */
function sortRun(run: SortedRun): SortedRun {
  for (const groups of run) sortByKey(groups);
  return run;
}
