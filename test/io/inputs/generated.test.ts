import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  generatedReader,
  integersInput,
  randomString,
  randomStringsInput,
} from '../../../src/io/inputs/generated.ts';
import { readSplits, splitContext } from '../helpers.ts';

describe('generated input', () => {
  test('integers cover exactly 0..count-1 in at most `shards` contiguous splits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 20 }),
        async (count, shards) => {
          const splits = await readSplits(generatedReader, integersInput(count), shards, splitContext());
          assert.equal(splits.length, Math.min(count, shards));
          assert.ok(splits.every((s) => s.length > 0));
          assert.deepEqual(
            splits.flat().map((r) => r.value),
            Array.from({ length: count }, (_, i) => i),
          );
        },
      ),
    );
  });

  test('random strings depend only on seed and index, whatever the splits', async () => {
    const spec = randomStringsInput(100, { length: 12, seed: 7 });
    const one = (await readSplits(generatedReader, spec, 1, splitContext())).flat().map((r) => r.value);
    const many = (await readSplits(generatedReader, spec, 9, splitContext())).flat().map((r) => r.value);
    assert.deepEqual(many, one);
    assert.ok(one.every((s) => typeof s === 'string' && /^[a-z]{12}$/.test(s)));
    assert.ok(new Set(one).size > 95, 'strings should rarely repeat');
    assert.equal(one[42], randomString(7, 42, 12));
    assert.notEqual(randomString(8, 42, 12), one[42]);
  });

  test('strings default to length 10 and seed 1', async () => {
    const [split] = await readSplits(generatedReader, randomStringsInput(3), 1, splitContext());
    assert.deepEqual(
      split!.map((r) => r.value),
      [0, 1, 2].map((i) => randomString(1, i, 10)),
    );
    assert.equal(await split![2]!.position(), 'generated strings #2');
  });

  test('a bad count is refused with what is allowed', () => {
    assert.throws(() => integersInput(-1), {
      name: 'ConfigError',
      message: 'Generated input count must be a whole number >= 0; got -1.',
    });
    assert.throws(
      () => randomStringsInput(5, { length: 1.5 }),
      /length must be a whole number >= 0; got 1.5/,
    );
  });
});
