// The radix sort of a drain orders encoded keys exactly as `<` does, stably, for any keys, and
// moves each key's value with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKey, type Key } from '../../../src/core/keys.ts';
import { mulberry32 } from '../../../src/core/prng.ts';
import { sortByKey } from '../../../src/core/shuffle/sort-keys.ts';

const byComparator = <T extends { key: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Sorts items through sortByKey's two parallel arrays (keys, and the items as the values). */
function sorted<T extends { key: string }>(items: T[]): T[] {
  const keys = items.map((item) => item.key);
  const values = [...items];
  sortByKey(keys, values);
  values.forEach((item, i) => assert.equal(item.key, keys[i], `the value at ${i} moved with its key`));
  return values;
}

function randomKey(r: () => number, depth = 0): Key {
  const kind = r();
  if (kind < 0.35) {
    // Short strings over a tiny alphabet: many shared prefixes, prefixes of each other, NULs, non-ASCII.
    const alphabet = ['a', 'b', '\u0000', 'é', '€', '😀', 'ab'];
    return Array.from(
      { length: Math.floor(r() * 5) },
      () => alphabet[Math.floor(r() * alphabet.length)],
    ).join('');
  }
  if (kind < 0.55) return Math.floor((r() - 0.5) * 2000) / (r() < 0.5 ? 1 : 7);
  if (kind < 0.85 || depth > 2) return `w${Math.floor(r() * 3000)}`;
  return Array.from({ length: Math.floor(r() * 3) }, () => randomKey(r, depth + 1));
}

test('sorts like the comparator, stably, at every size and key shape', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = mulberry32(seed);
    const n = seed % 10 === 0 ? 2000 + Math.floor(r() * 3000) : Math.floor(r() * 200);
    const items = Array.from({ length: n }, (_, i) => ({ key: encodeKey(randomKey(r)), i }));
    assert.deepEqual(sorted(items), byComparator(items), `seed ${seed}, ${n} keys`);
  }
});

test('equal keys keep their order; keys that are not binary strings still sort', () => {
  const items = ['\u0003b\u0000', '\u0003a\u0000', '\u0003b\u0000', '\u0003a\u0000'].flatMap((key, i) =>
    Array.from({ length: 20 }, (_, j) => ({ key, i: i * 100 + j })),
  );
  assert.deepEqual(sorted(items), byComparator(items));
  const wide = Array.from({ length: 100 }, (_, i) => ({
    key: `k${String.fromCharCode(0x100 + ((i * 37) % 100))}${i % 3}`,
  }));
  assert.deepEqual(sorted(wide), byComparator(wide));
});

test('keys and values that do not pair up are refused', () => {
  assert.throws(() => sortByKey(['\u0003a\u0000', '\u0003b\u0000'], [1]), /2 keys but 1 values/);
});
