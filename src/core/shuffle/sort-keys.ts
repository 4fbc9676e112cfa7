// Sorting a map task's buffered keys (and their values alongside) by encoded key, the hot spot of
// draining the buffer (tens of thousands of keys per task: a comparator sort spent about 55 ms per
// 45,000 words, more than the rest of the drain and the encoding together). Encoded keys are
// binary strings (one char per byte, keys.ts), so a most-significant-digit radix sort orders them
// by their bytes directly: counting sort on the byte at depth d, then each bucket by the next byte;
// small buckets by insertion. Stable, like Array.prototype.sort: equal keys keep their order.

/** Buckets of fewer items than this are finished by insertion sort. */
const SMALL = 24;

/**
 * Count and start tables, one pair per depth: the recursion is depth-first, so one frame per depth
 * is live at a time, and a frame's tables stay valid while it recurses one byte deeper. (New tables
 * per bucket were over a thousand zero-filled allocations per drain of 50,000 words.)
 */
const tables: { counts: Int32Array; starts: Int32Array; next: Int32Array }[] = [];

function tablesAt(depth: number): { counts: Int32Array; starts: Int32Array; next: Int32Array } {
  while (tables.length <= depth)
    tables.push({ counts: new Int32Array(257), starts: new Int32Array(258), next: new Int32Array(257) });
  return tables[depth]!;
}

/**
 * Sorts `keys` in place in byte order (the order of `<` on binary strings), stably, and moves
 * `values[i]` along with `keys[i]`: two parallel arrays, so a drain of tens of thousands of keys
 * makes no object per key to sort.
 */
export function sortByKey<V>(keys: string[], values: V[]): void {
  if (values.length !== keys.length) {
    throw new Error(`sortByKey: ${keys.length} keys but ${values.length} values; they must pair up.`);
  }
  if (keys.length < 2) return;
  if (keys.length < SMALL) return insertion(keys, values, 0, keys.length);
  radix(keys, values, new Array<string>(keys.length), new Array<V>(keys.length), 0, keys.length, 0);
}

function radix<V>(
  keys: string[],
  values: V[],
  scratchKeys: string[],
  scratchValues: V[],
  lo: number,
  hi: number,
  depth: number,
): void {
  for (;;) {
    // Bucket 0: keys that end before `depth` (they sort first); bucket 1 + b: byte b at `depth`.
    const { counts, starts, next } = tablesAt(depth);
    counts.fill(0);
    for (let i = lo; i < hi; i++) {
      const key = keys[i]!;
      if (depth >= key.length) {
        counts[0]!++;
        continue;
      }
      const c = key.charCodeAt(depth);
      if (c > 255) return comparatorSort(keys, values, lo, hi); // not a binary string: sort it plainly
      counts[c + 1]!++;
    }
    // Every key in one bucket (a common prefix, like the type tag): equal if they all ended,
    // else one byte deeper without moving anything.
    let single = -1;
    for (let k = 0; k < 257; k++)
      if (counts[k] === hi - lo) {
        single = k;
        break;
      }
    if (single === 0) return;
    if (single > 0) {
      depth++;
      continue;
    }
    starts[0] = 0;
    for (let k = 0; k < 257; k++) starts[k + 1] = starts[k]! + counts[k]!;
    next.set(starts.subarray(0, 257));
    for (let i = lo; i < hi; i++) {
      const key = keys[i]!;
      const k = depth < key.length ? key.charCodeAt(depth) + 1 : 0;
      const to = lo + next[k]!++;
      scratchKeys[to] = key;
      scratchValues[to] = values[i]!;
    }
    for (let i = lo; i < hi; i++) {
      keys[i] = scratchKeys[i]!;
      values[i] = scratchValues[i]!;
    }
    // Bucket 0 holds equal keys in their order; the others sort on by the next byte.
    for (let k = 1; k < 257; k++) {
      const from = lo + starts[k]!;
      const to = lo + starts[k + 1]!;
      if (to - from < 2) continue;
      if (to - from < SMALL) insertion(keys, values, from, to);
      else radix(keys, values, scratchKeys, scratchValues, from, to, depth + 1);
    }
    return;
  }
}

function insertion<V>(keys: string[], values: V[], lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const key = keys[i]!;
    const value = values[i]!;
    let j = i - 1;
    while (j >= lo && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      values[j + 1] = values[j]!;
      j--;
    }
    keys[j + 1] = key;
    values[j + 1] = value;
  }
}

function comparatorSort<V>(keys: string[], values: V[], lo: number, hi: number): void {
  const order = Array.from({ length: hi - lo }, (_, i) => lo + i).sort((a, b) =>
    keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b,
  );
  const sortedKeys = order.map((i) => keys[i]!);
  const sortedValues = order.map((i) => values[i]!);
  for (let i = lo; i < hi; i++) {
    keys[i] = sortedKeys[i - lo]!;
    values[i] = sortedValues[i - lo]!;
  }
}
