// Building shuffle objects on the map side: straight from one sorted in-memory run, or by merging
// sorted runs (spills plus what is still in memory) partition by partition.

import type { CombineFn } from './combine.ts';
import { runCombine } from './combine.ts';
import { decodeShuffleKey } from './decode-key.ts';
import type { SortedPartition, SortedRun } from './emit-buffer.ts';
import type { ObjectEncoder } from './encoder.ts';
import type { ShuffleRecord } from './format.ts';
import { MergedRecords } from './merged-records.ts';
import { parseValueJson, valueToJson } from './value-json.ts';

/** Values of one key gathered from several runs before the combiner folds them. */
const MERGE_COMBINE_BATCH = 1000;

/** Encodes one sorted run, yielding chunks as they fill; the last ones carry the footer. */
export function* encodeSorted(run: SortedRun, encoder: ObjectEncoder): Generator<Buffer> {
  for (let p = 0; p < run.length; p++) {
    const { keys, values } = run[p]!;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const json = values[i]!;
      if (typeof json === 'string') encoder.add(p, key, json);
      else for (const value of json) encoder.add(p, key, value);
      if (encoder.readyBytes > 0) yield* encoder.take();
    }
  }
  yield* encoder.end();
}

/**
 * Merges sorted sources partition by partition into `encoder`, yielding chunks as they fill. With a
 * combiner, a key found in several sources is combined again, which is what shrinks a map object
 * when the same keys were spilled many times.
 */
export async function* mergeSorted(
  encoder: ObjectEncoder,
  partitions: number,
  sourcesOf: (partition: number) => AsyncIterable<ShuffleRecord[]>[],
  combine: CombineFn | undefined,
): AsyncGenerator<Buffer> {
  for (let p = 0; p < partitions; p++) {
    const merged = await MergedRecords.open(sourcesOf(p));
    try {
      while (!merged.done) {
        if (combine) {
          await addCombined(merged, p, encoder, combine);
        } else {
          encoder.add(p, merged.key, merged.value);
          const moving = merged.next();
          if (moving) await moving;
        }
        if (encoder.readyBytes > 0) yield* encoder.take();
      }
    } finally {
      await merged.close();
    }
  }
  yield* encoder.end();
}

/** Writes all records of the current key, combined when the key came from more than one source. */
async function addCombined(
  merged: MergedRecords,
  p: number,
  encoder: ObjectEncoder,
  combine: CombineFn,
): Promise<void> {
  const encoded = merged.key;
  const first = merged.value;
  let moving = merged.next();
  if (moving) await moving;
  if (merged.done || merged.key !== encoded) {
    encoder.add(p, encoded, first);
    return;
  }
  const key = decodeShuffleKey(encoded);
  let values: unknown[] = [parseValueJson(first)];
  let combineAt = MERGE_COMBINE_BATCH;
  while (!merged.done && merged.key === encoded) {
    values.push(parseValueJson(merged.value));
    moving = merged.next();
    if (moving) await moving;
    if (values.length >= combineAt) {
      values = runCombine(combine, key, values);
      combineAt = Math.max(MERGE_COMBINE_BATCH, 2 * values.length);
    }
  }
  for (const value of runCombine(combine, key, values)) {
    encoder.add(p, encoded, valueToJson(key, value, 'returned by combine'));
  }
}

/** Records held in memory as a source for `mergeSorted`, in batches like a decoded stream. */
export async function* sortedSource(
  { keys, values }: SortedPartition,
  batchRecords = 4096,
): AsyncGenerator<ShuffleRecord[]> {
  let batch: ShuffleRecord[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const json = values[i]!;
    if (typeof json === 'string') batch.push({ key, value: json });
    else for (const value of json) batch.push({ key, value });
    if (batch.length >= batchRecords) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
