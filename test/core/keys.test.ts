import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { compareKeys, decodeKey, encodeKey, partitionOf } from '../../src/core/keys.ts';
import type { Key } from '../../src/core/keys.ts';

// Well-formed Unicode strings (any code point, NUL included) and finite numbers incl. -0 and extremes.
const keyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\0', 'a', '\x7f', '\xff', 'é', '😀') }),
);
const keyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2 ** 53,
    -(2 ** 53),
  ),
);
const { key: anyKey } = fc.letrec<{ key: Key }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    keyString,
    keyNumber,
    fc.array(tie('key'), { maxLength: 4 }),
  ),
}));

/** -0 and 0 are one key; decoding gives 0. */
function normalise(key: Key): Key {
  if (typeof key === 'number') return key === 0 ? 0 : key;
  if (typeof key === 'string') return key;
  return key.map(normalise);
}

/** The documented order, written independently of the encoding. */
function referenceCompare(a: Key, b: Key): number {
  const rank = (k: Key) => (typeof k === 'number' ? 0 : typeof k === 'string' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const ca = Array.from(a, (c) => c.codePointAt(0)!);
    const cb = Array.from(b, (c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
    return ca.length - cb.length;
  }
  const ta = a as readonly Key[];
  const tb = b as readonly Key[];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const c = referenceCompare(ta[i]!, tb[i]!);
    if (c !== 0) return c;
  }
  return ta.length - tb.length;
}

describe('encodeKey / decodeKey', () => {
  test('decoding an encoded key gives the key back (-0 becomes 0)', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        assert.deepEqual(decodeKey(encodeKey(key)), normalise(key));
      }),
      { numRuns: 500 },
    );
  });

  test('encoded keys are binary strings: every char is one byte', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const encoded = encodeKey(key);
        for (let i = 0; i < encoded.length; i++) assert.ok(encoded.charCodeAt(i) < 256);
        assert.equal(Buffer.from(encoded, 'latin1').toString('latin1'), encoded);
      }),
    );
  });

  test('the ASCII fast path and the general path give the same bytes', () => {
    // 'ab' takes the fast path; inside a tuple the same string goes through the general encoder.
    assert.equal(encodeKey(['ab']), '\x04' + encodeKey('ab') + '\x00');
    assert.equal(encodeKey('ab'), '\x03ab\x00');
  });

  test('NUL characters round-trip and sort before every other character', () => {
    assert.equal(decodeKey(encodeKey('a\0b')), 'a\0b');
    assert.ok(encodeKey('a') < encodeKey('a\0'));
    assert.ok(encodeKey('a\0') < encodeKey('a\x01'));
    assert.ok(encodeKey(['a', 'z']) < encodeKey(['a\0']));
  });
});

describe('key order', () => {
  test('byte order of encoded keys equals the documented order', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        const bytes = Math.sign(compareKeys(a, b));
        assert.equal(bytes, Math.sign(referenceCompare(normalise(a), normalise(b))));
        assert.equal(encodeKey(a) < encodeKey(b), bytes < 0);
      }),
      { numRuns: 1000 },
    );
  });

  test('numbers sort before strings, strings before tuples', () => {
    const sorted = [
      -1e300,
      -1,
      -0.5,
      0,
      1e-300,
      2,
      10,
      1e300,
      '',
      '10',
      '2',
      'a',
      'é',
      '😀',
      [],
      [1],
      [1, 'a'],
      ['a'],
    ];
    const shuffled = [...sorted].reverse();
    assert.deepEqual(shuffled.sort(compareKeys), sorted);
  });

  test('strings sort by code point, not UTF-16 unit (U+FFFF before U+1F600)', () => {
    assert.ok(encodeKey('\uffff') < encodeKey('😀'));
    assert.ok('\uffff' > '😀'); // JavaScript's own < would say the opposite
  });

  test('-0 and 0 are the same key', () => {
    assert.equal(encodeKey(-0), encodeKey(0));
  });
});

describe('partitionOf', () => {
  test('is FNV-1a over the encoded bytes (known test vectors)', () => {
    // With 2^32 partitions the partition is the full hash.
    assert.equal(partitionOf('', 2 ** 32), 0x811c9dc5);
    assert.equal(partitionOf('a', 2 ** 32), 0xe40c292c);
    assert.equal(partitionOf('foobar', 2 ** 32), 0xbf9cf968);
  });

  test('is stable: fixed keys keep their partitions (changing the hash breaks committed runs)', () => {
    const table: [Key, number, number][] = [
      ['hello', 2294299790, 14],
      [42, 1221377150, 14],
      [['user', 7], 1326033567, 15],
      ['naïve', 1857060192, 0],
      [-1.5, 4188612506, 10],
    ];
    for (const [key, hash, p16] of table) {
      assert.equal(partitionOf(encodeKey(key), 2 ** 32), hash, `hash of ${JSON.stringify(key)}`);
      assert.equal(partitionOf(encodeKey(key), 16), p16, `partition of ${JSON.stringify(key)}`);
    }
  });

  test('always lands in 0..partitions-1', () => {
    fc.assert(
      fc.property(anyKey, fc.integer({ min: 1, max: 10_000 }), (key, partitions) => {
        const p = partitionOf(encodeKey(key), partitions);
        assert.ok(Number.isInteger(p) && p >= 0 && p < partitions);
      }),
    );
  });
});

describe('bad keys', () => {
  const shapes =
    /^A key must be a string, a finite number or an array of them; got .*\. Convert it first, e\.g\. emit\(String\(id\), value\) or emit\(\[user, day\], value\)\.$/;
  const cases: [string, unknown, RegExp][] = [
    ['NaN', NaN, /^A key number must be finite; got NaN\. Use a string key for special values\.$/],
    ['Infinity', Infinity, /^A key number must be finite; got Infinity\./],
    ['NaN inside a tuple', ['a', NaN], /^A key number must be finite; got NaN\./],
    ['null', null, shapes],
    ['undefined', undefined, shapes],
    ['a boolean', true, shapes],
    ['an object', { id: 1 }, shapes],
    ['an object inside a tuple', ['a', { id: 1 }], shapes],
  ];
  for (const [name, key, message] of cases) {
    test(`${name} is rejected with a ConfigError saying how to fix it`, () => {
      assert.throws(
        () => encodeKey(key as Key),
        (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  test('the message shows the offending object', () => {
    assert.throws(() => encodeKey({ id: 1 } as unknown as Key), /got an object \(\{"id":1\}\)/);
  });
});

test('a key string with a lone surrogate is refused instead of colliding with U+FFFD', () => {
  assert.throws(
    () => encodeKey('a\uD800b'),
    (err: Error) => err.name === 'ConfigError' && /lone UTF-16 surrogate/.test(err.message),
  );
  assert.notEqual(encodeKey('\uFFFD'), encodeKey('\uD83D\uDE00'));
});
