import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { ShuffleCollector } from '../../../src/core/shuffle/collector.ts';
import type { CollectorOptions } from '../../../src/core/shuffle/collector.ts';
import type { CombineFn } from '../../../src/core/shuffle/combine.ts';
import { COMBINE_THRESHOLD } from '../../../src/core/shuffle/emit-buffer.ts';
import { readFooter, type PartitionIndex } from '../../../src/core/shuffle/format.ts';
import { decodeRecords } from '../../../src/core/shuffle/decoder.ts';
import { decodeShuffleKey } from '../../../src/core/shuffle/decode-key.ts';
import type { Key } from '../../../src/core/keys.ts';
import { chunked, collectBytes, withTempDir } from './helpers.ts';

const sum: CombineFn = (_key, values) => [values.reduce((a: number, b) => a + (b as number), 0)];
const ALLOWED =
  'Shuffle values must be JSON-serialisable: null, booleans, finite numbers, strings, and arrays or plain objects of these';

function collector(dir: string, options: Partial<CollectorOptions> = {}): ShuffleCollector {
  return new ShuffleCollector({
    partitions: 2,
    memoryBudgetBytes: 1 << 20,
    scratchDir: join(dir, 'scratch'),
    ...options,
  });
}

describe('ShuffleCollector: bad values', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: [string, unknown, string | RegExp][] = [
    [
      'undefined',
      undefined,
      `Cannot shuffle the value emitted for key "w": it is undefined. ${ALLOWED}; emit null instead, or skip the emit.`,
    ],
    [
      'NaN',
      NaN,
      `Cannot shuffle the value emitted for key "w": it is NaN, which JSON cannot represent (JSON.stringify would silently turn it into null). ${ALLOWED}; emit null, a string or a finite number.`,
    ],
    [
      '-Infinity',
      -Infinity,
      /^Cannot shuffle the value emitted for key "w": it is -Infinity, which JSON cannot represent/,
    ],
    [
      'a bigint',
      12n,
      `Cannot shuffle the value emitted for key "w": it is a bigint (12n), which JSON cannot represent. ${ALLOWED}; emit String(value), or Number(value) if it is small enough.`,
    ],
    [
      'a function',
      () => 1,
      `Cannot shuffle the value emitted for key "w": it is a function. ${ALLOWED}; emit the data it stands for instead.`,
    ],
    ['a symbol', Symbol('s'), /^Cannot shuffle the value emitted for key "w": it is a symbol\./],
    [
      'a nested bigint',
      { n: 1n },
      `Cannot shuffle the value emitted for key "w": JSON.stringify failed (Do not know how to serialize a BigInt). ${ALLOWED}; remove cycles and convert bigints to strings.`,
    ],
    [
      'a cycle',
      cycle,
      /^Cannot shuffle the value emitted for key "w": JSON.stringify failed \(Converting circular structure to JSON/,
    ],
    [
      'an object whose toJSON returns undefined',
      { toJSON: () => undefined },
      /it has no JSON form \(its toJSON\(\) returned undefined\)/,
    ],
  ];
  for (const combine of [false, true]) {
    for (const [name, value, message] of cases) {
      test(`${name} is a ConfigError naming the key (${combine ? 'with' : 'without'} combine)`, async () => {
        await withTempDir(async (dir) => {
          const c = collector(dir, combine ? { combine: sum } : {});
          try {
            assert.throws(
              () => c.emit('w', value),
              (err: Error) => {
                assert.equal(err.name, 'ConfigError');
                if (typeof message === 'string') assert.equal(err.message, message);
                else assert.match(err.message, message);
                return true;
              },
            );
            assert.equal(c.recordsIn, 0, 'a rejected emit is not counted');
          } finally {
            await c.dispose();
          }
        });
      });
    }
  }

  test('a bad key is a ConfigError from the key encoding', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir);
      assert.throws(() => c.emit({ id: 1 } as never, 1), {
        name: 'ConfigError',
        message: /^A key must be a string, a finite number or an array of them/,
      });
      await c.dispose();
    });
  });

  test('a bad value returned by combine names combine as its origin', async () => {
    await withTempDir(async (dir) => {
      const badNumber = collector(dir, { combine: () => [NaN] });
      badNumber.emit(['k', 1], 1);
      assert.throws(() => badNumber.emit(['k', 1], 2), {
        name: 'ConfigError',
        message: /^Cannot shuffle the value returned by combine for key \["k",1\]: it is NaN/,
      });
      await badNumber.dispose();

      const badObject = collector(dir, { combine: () => [{ n: 1n }] });
      for (let i = 0; i < 2; i++) badObject.emit('k', { n: i });
      await assert.rejects(collectBytes(badObject.finish()), {
        name: 'ConfigError',
        message: /^Cannot shuffle the value returned by combine for key "k": JSON.stringify failed/,
      });
      await badObject.dispose();
    });
  });

  test('nested undefined and NaN follow JSON rules instead of failing', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir);
      c.emit('k', { a: undefined, b: [NaN, undefined] });
      const object = await collectBytes(c.finish());
      assert.ok(object.includes('{"b":[null,null]}'));
      await c.dispose();
    });
  });
});

describe('ShuffleCollector: options and lifecycle', () => {
  test('partitions and budget are validated with a fix in the message', () => {
    assert.throws(() => new ShuffleCollector({ partitions: 0, memoryBudgetBytes: 1, scratchDir: '/nope' }), {
      name: 'ConfigError',
      message:
        'Shuffle partitions must be a whole number of at least 1; got 0. Set partitions on the stage or --partitions.',
    });
    assert.throws(() => new ShuffleCollector({ partitions: 1, memoryBudgetBytes: -5, scratchDir: '/nope' }), {
      name: 'ConfigError',
      message:
        'memoryBudgetBytes must be a positive number of bytes; got -5. Set it on the stage or leave it to the default.',
    });
  });

  test('index is available only after finish() was consumed; finish() and emit() after it fail', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir);
      c.emit('a', 1);
      assert.throws(
        () => c.index,
        /^Error: ShuffleCollector.index is available only after the iterable from finish\(\) has been fully consumed\.$/,
      );
      const object = await collectBytes(c.finish());
      assert.deepEqual(readFooter(object).partitions, c.index);
      assert.equal(
        c.index.reduce((n, p) => n + p.records, 0),
        1,
      );
      assert.throws(
        () => c.finish(),
        /^Error: ShuffleCollector.finish\(\) was called twice, or after dispose\(\)\.$/,
      );
      assert.throws(
        () => c.emit('b', 1),
        /^Error: ShuffleCollector.emit\(\) after finish\(\) or dispose\(\)/,
      );
      await c.dispose();
    });
  });

  test('overBudget turns true once the estimated bytes pass the budget, and a spill resets it', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir, { memoryBudgetBytes: 10_000 });
      let emitted = 0;
      while (!c.overBudget) c.emit(`key-${emitted++}`, 'some value');
      // Each record is estimated at its key and JSON bytes plus a fixed per-record allowance.
      assert.ok(emitted > 50 && emitted < 200, `emitted ${emitted}`);
      await c.spill();
      assert.equal(c.overBudget, false);
      assert.equal(c.spills, 1);
      await c.spill(); // nothing buffered: no empty run
      assert.equal(c.spills, 1);
      await c.dispose();
    });
  });

  test('with combine, a key emitted many times stays small in memory (hash aggregation)', async () => {
    await withTempDir(async (dir) => {
      let calls = 0;
      const counting: CombineFn = (k, vs) => (calls++, sum(k, vs));
      const c = collector(dir, { memoryBudgetBytes: 64 * 1024, combine: counting });
      for (let i = 0; i < 100_000; i++) c.emit('hot', 1);
      assert.equal(c.overBudget, false);
      assert.ok(calls >= 100_000 / COMBINE_THRESHOLD - 1, `combine ran ${calls} times`);
      const object = await collectBytes(c.finish());
      assert.ok(object.includes('100000'));
      assert.equal(
        c.index.reduce((n, p) => n + p.records, 0),
        1,
      );
      await c.dispose();
    });
  });

  test('a combine that does not shrink its input is not called on every emit', async () => {
    await withTempDir(async (dir) => {
      let calls = 0;
      const identity: CombineFn = (_k, vs) => (calls++, vs);
      const c = collector(dir, { combine: identity });
      for (let i = 0; i < 4096; i++) c.emit('k', i);
      // One pairwise call, then folds at 32, 64, ... 4096 values.
      assert.ok(calls <= 9, `combine ran ${calls} times`);
      const object = await collectBytes(c.finish());
      assert.equal(
        readFooter(object).partitions.reduce((n, p) => n + p.records, 0),
        4096,
      );
      await c.dispose();
    });
  });
});

/** Every record of a finished object as [partition, key, value], in object order. */
async function recordsOf(object: Buffer, index: PartitionIndex): Promise<[number, Key, unknown][]> {
  const out: [number, Key, unknown][] = [];
  for (const [p, range] of index.entries()) {
    const bytes = object.subarray(range.offset, range.offset + range.length);
    for await (const batch of decodeRecords(chunked(bytes)))
      for (const r of batch) out.push([p, decodeShuffleKey(r.key), JSON.parse(r.value)]);
  }
  return out;
}

describe('ShuffleCollector with combine: string and number keys held as bare numbers', () => {
  // A key whose values are all numbers is held as its running number until the drain; anything
  // else (another kind of value, a combine that returns more or other than one finite number)
  // turns it into a full entry. Either way the object must say the same thing.
  const combine: CombineFn = (key, values) =>
    key === 'pair' || key === 'obj'
      ? values
      : key === 'text' || key === 'str'
        ? [values.join('+')]
        : sum(key, values);

  test('the object holds what combine made of every key, whatever form the key went through', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir, { partitions: 3, combine });
      const emits: [Key, unknown][] = [
        ...(['n', 'n', 'n'] as const).map((k, i): [Key, unknown] => [k, i + 1]), // numbers only
        ...([7, 7, -0, 0] as const).map((k, i): [Key, unknown] => [k, [10, 5, 1, 1][i]]), // -0 is 0
        ...(['é€', 'é€'] as const).map((k): [Key, unknown] => [k, 2]), // not ASCII
        ...(['obj', 'obj'] as const).map((k, i): [Key, unknown] => [k, i === 0 ? 1 : { x: 1 }]),
        ...(['str', 'str'] as const).map((k, i): [Key, unknown] => [k, i === 0 ? 1 : 'two']),
        ...(['pair', 'pair', 'pair'] as const).map((k, i): [Key, unknown] => [k, i + 1]),
        ...(['text', 'text'] as const).map((k, i): [Key, unknown] => [k, i + 1]),
        ...[4, 4].map((n): [Key, unknown] => [['t', 1], n]), // a tuple key
      ];
      for (const [key, value] of emits) c.emit(key, value);
      const object = await collectBytes(c.finish());
      const got = (await recordsOf(object, c.index)).map(([, key, value]) => [key, value]);
      const byKey = (a: unknown[], b: unknown[]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
      assert.deepEqual(
        got.sort(byKey),
        [
          ['n', 6],
          [7, 15],
          [0, 2],
          ['é€', 4],
          ['obj', 1],
          ['obj', { x: 1 }],
          ['str', '1+two'],
          ['pair', 1],
          ['pair', 2],
          ['pair', 3],
          ['text', '1+2'],
          [['t', 1], 8],
        ].sort(byKey),
      );
      await c.dispose();
    });
  });

  test('a bad key with a number value fails at its emit, as encoding it would', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir, { combine: sum });
      for (const key of [NaN, Infinity]) {
        assert.throws(() => c.emit(key, 1), {
          name: 'ConfigError',
          message: `A key number must be finite; got ${key}. Use a string key for special values.`,
        });
      }
      assert.throws(() => c.emit('a\uD800', 1), { name: 'ConfigError', message: /lone UTF-16 surrogate/ });
      assert.equal(c.recordsIn, 0);
      assert.equal(c.overBudget, false);
      await c.dispose();
    });
  });

  test('combine turning two numbers into NaN names combine and the key', async () => {
    await withTempDir(async (dir) => {
      const c = collector(dir, { combine: () => [NaN] });
      c.emit('k', 1);
      assert.throws(() => c.emit('k', 2), {
        name: 'ConfigError',
        message: /^Cannot shuffle the value returned by combine for key "k": it is NaN/,
      });
      await c.dispose();
    });
  });

  test('a number-held key is budgeted like an entry: 112 bytes, its encoding and 16 for the number', async () => {
    await withTempDir(async (dir) => {
      const budget = 64 * 1024;
      const c = collector(dir, { memoryBudgetBytes: budget, combine: sum });
      let keys = 0;
      while (!c.overBudget) c.emit(`key-${String(keys++).padStart(5, '0')}`, 1); // encoded: 9 + 2 bytes
      assert.equal(keys, Math.ceil(budget / (112 + 11 + 16)));
      // Values of keys already held add nothing.
      await c.spill();
      for (let i = 0; i < 1000; i++) c.emit('key-00000', 1);
      assert.equal(c.overBudget, false);
      await c.dispose();
    });
  });
});
