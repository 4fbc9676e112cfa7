// Top-N selection that is safe as a combiner: the best N of a union is the best N of the best N
// of each part, so truncating any subset of values and truncating again later gives the same
// result as sorting everything once (the order is total: score, then key, so no arbitrary ties).

import { compareKeys, type Key } from '../../src/index.ts';

export interface Ranked {
  /** Higher is better. */
  score: number;
  /** Breaks ties at the cut: the smaller key wins. */
  key: Key;
}

export function compareRanked(a: Ranked, b: Ranked): number {
  return b.score - a.score || compareKeys(a.key, b.key);
}

/** The best `n` of `values`, best first. */
export function topN<T extends Ranked>(values: Iterable<T>, n: number): T[] {
  return [...values].sort(compareRanked).slice(0, n);
}

/** The best `n` of a stream, holding at most 2n values at a time. */
export async function topOfStream<T extends Ranked>(values: AsyncIterable<T>, n: number): Promise<T[]> {
  let best: T[] = [];
  for await (const v of values) {
    best.push(v);
    if (best.length >= 2 * n) best = topN(best, n);
  }
  return topN(best, n);
}
