// Choosing split points from keys in key order. From a `__scatter__` sample (random keys) the rule
// is Beam's Datastore QuerySplitter: with fewer than n-1 keys split on all of them, otherwise take
// keys[round(i * len/(n-1)) - 1] for i = 1..n-1. From a complete list of the keys, cut it into n
// runs of equal length instead, so no range is empty.

import type { EntityKey } from '../../ports/entity-store.ts';

/** At most n-1 strictly increasing split points; `sorted` is in key order without duplicates. */
export function splitPoints(sorted: readonly EntityKey[], n: number, complete: boolean): EntityKey[] {
  const wanted = n - 1;
  if (wanted < 1 || sorted.length === 0) return [];
  if (complete) {
    if (sorted.length <= n) return sorted.slice(1);
    return Array.from({ length: wanted }, (_, i) => sorted[Math.round(((i + 1) * sorted.length) / n)]!);
  }
  if (sorted.length < wanted) return [...sorted];
  const perSplit = sorted.length / wanted;
  return Array.from({ length: wanted }, (_, i) => sorted[Math.max(0, Math.round((i + 1) * perSplit) - 1)]!);
}
