// The map-side buffer between spills. Without a combiner it keeps records in emit order and sorts
// them at spill time; with one it aggregates by key (hash aggregation), so a key emitted a million
// times costs memory for a few values, not a million. Byte counts are estimates: string lengths
// plus a per-entry allowance for the objects, array slots and Map entries around them.

import { encodeKey, partitionOf } from '../keys.ts';
import type { EncodedKey, Key } from '../keys.ts';
import { runCombine } from './combine.ts';
import type { CombineFn } from './combine.ts';
import type { ShuffleRecord } from './format.ts';
import { checkValue, estimateValueBytes, valueToJson } from './value-json.ts';

/** Records of one spill, per partition, each partition sorted by key (equal keys in emit order). */
export type SortedRun = ShuffleRecord[][];

export interface EmitBuffer {
  add(key: Key, value: unknown): void;
  /** Estimated bytes held. */
  readonly bytes: number;
  readonly empty: boolean;
  /** Hands out the contents sorted by (partition, key) and starts empty again. */
  drain(partitions: number): SortedRun;
}

/** A record object, its array slot and two string headers. */
const RECORD_OVERHEAD = 64;
/** A Map entry, the entry object and its values array. */
const ENTRY_OVERHEAD = 128;
/** Values a key collects before the combiner folds them. */
export const COMBINE_THRESHOLD = 32;

export class RecordBuffer implements EmitBuffer {
  #records: ShuffleRecord[] = [];
  bytes = 0;

  get empty(): boolean {
    return this.#records.length === 0;
  }

  add(key: Key, value: unknown): void {
    const encoded = encodeKey(key);
    const json = valueToJson(key, value);
    this.#records.push({ key: encoded, value: json });
    this.bytes += encoded.length + json.length + RECORD_OVERHEAD;
  }

  drain(partitions: number): SortedRun {
    const run = emptyRun(partitions);
    for (const record of this.#records) run[partitionOf(record.key, partitions)]!.push(record);
    this.#records = [];
    this.bytes = 0;
    // Array.prototype.sort is stable, which keeps equal keys in emit order.
    for (const records of run) records.sort(byKey);
    return run;
  }
}

interface Entry {
  key: Key;
  values: unknown[];
  bytes: number;
  /** Size of the last object value measured; later object values of the key are assumed alike. */
  objectBytes: number;
  combineAt: number;
  combined: boolean;
}

export class CombiningBuffer implements EmitBuffer {
  readonly #combine: CombineFn;
  #entries = new Map<EncodedKey, Entry>();
  bytes = 0;

  constructor(combine: CombineFn) {
    this.#combine = combine;
  }

  get empty(): boolean {
    return this.#entries.size === 0;
  }

  add(key: Key, value: unknown): void {
    const encoded = encodeKey(key);
    checkValue(key, value);
    const entry = this.#entries.get(encoded);
    if (entry === undefined) {
      const valueBytes = estimateValueBytes(key, value);
      const bytes = ENTRY_OVERHEAD + encoded.length + valueBytes;
      const objectBytes = typeof value === 'object' ? valueBytes : 0;
      this.#entries.set(encoded, {
        key,
        values: [value],
        bytes,
        objectBytes,
        combineAt: COMBINE_THRESHOLD,
        combined: false,
      });
      this.bytes += bytes;
      return;
    }
    entry.values.push(value);
    let bytes: number;
    if (typeof value !== 'object' || value === null) bytes = estimateValueBytes(key, value);
    else bytes = entry.objectBytes || (entry.objectBytes = estimateValueBytes(key, value));
    entry.bytes += bytes;
    this.bytes += bytes;
    if (entry.values.length >= entry.combineAt) this.#fold(encoded, entry);
  }

  drain(partitions: number): SortedRun {
    const run = emptyRun(partitions);
    for (const [encoded, entry] of this.#entries) {
      const combined = entry.values.length > 1 || entry.combined;
      const values =
        entry.values.length > 1 ? runCombine(this.#combine, entry.key, entry.values) : entry.values;
      const records = run[partitionOf(encoded, partitions)]!;
      const origin = combined ? 'returned by combine' : 'emitted';
      for (const value of values)
        records.push({ key: encoded, value: valueToJson(entry.key, value, origin) });
    }
    this.#entries = new Map();
    this.bytes = 0;
    for (const records of run) records.sort(byKey);
    return run;
  }

  #fold(encoded: EncodedKey, entry: Entry): void {
    const values = runCombine(this.#combine, entry.key, entry.values);
    let bytes = ENTRY_OVERHEAD + encoded.length;
    for (const value of values) {
      checkValue(entry.key, value, 'returned by combine');
      const size = estimateValueBytes(entry.key, value, 'returned by combine');
      if (typeof value === 'object') entry.objectBytes = size;
      bytes += size;
    }
    entry.values = values;
    entry.combined = true;
    // A combiner that does not shrink the list would otherwise run again on every emit.
    entry.combineAt = Math.max(COMBINE_THRESHOLD, 2 * values.length);
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
  }
}

function emptyRun(partitions: number): SortedRun {
  return Array.from({ length: partitions }, () => []);
}

function byKey(a: ShuffleRecord, b: ShuffleRecord): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
