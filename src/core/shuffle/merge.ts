// Reduce side: merge partition r of every committed map object and group equal keys. Each group is
// yielded before its values are read, so a key with more values than fit in memory streams through.

import type { Values } from '../job.ts';
import type { EncodedKey, Key } from '../keys.ts';
import type { CombineFn } from './combine.ts';
import { decodeShuffleKey } from './decode-key.ts';
import { decodeRecords } from './decoder.ts';
import { MergedRecords } from './merged-records.ts';
import { GroupValues } from './values.ts';

export interface KeyGroup {
  key: Key;
  encodedKey: EncodedKey;
  /** Valid until the next group is requested; values the reducer leaves are skipped. */
  values: Values<unknown>;
}

export interface GroupOptions {
  /** Applied to batches of values before they reach the reducer. */
  combine?: CombineFn;
}

/**
 * k-way merge of sorted partition streams, one per committed map object (in commit-record order, which
 * also orders equal keys), grouped by key in key order.
 */
export async function* groupPartition(
  sources: AsyncIterable<Buffer>[],
  options: GroupOptions = {},
): AsyncGenerator<KeyGroup, void, undefined> {
  const merged = await MergedRecords.open(sources.map((source) => decodeRecords(source)));
  try {
    while (!merged.done) {
      const encodedKey = merged.key;
      const key = decodeShuffleKey(encodedKey);
      const values = new GroupValues(merged, encodedKey, key, options.combine);
      yield { key, encodedKey, values };
      await values.close();
    }
  } finally {
    await merged.close();
  }
}
