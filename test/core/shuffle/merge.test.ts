import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeKey } from '../../../src/core/keys.ts';
import type { Key } from '../../../src/core/keys.ts';
import { RecordWriter, encodeObject } from '../../../src/core/shuffle/encoder.ts';
import { groupPartition } from '../../../src/core/shuffle/merge.ts';
import { REDUCE_COMBINE_BATCH } from '../../../src/core/shuffle/values.ts';
import { chunked } from './helpers.ts';

/** The byte range of a single sorted partition holding `pairs` (sorted here). */
function partitionBytes(pairs: [Key, unknown][]): Buffer {
  const records = pairs
    .map(([key, value]) => ({ key: encodeKey(key), value: JSON.stringify(value) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { object, index } = encodeObject([records]);
  return object.subarray(index[0]!.offset, index[0]!.offset + index[0]!.length);
}

async function grouped(
  sources: AsyncIterable<Buffer>[],
  combine?: (k: Key, v: unknown[]) => Iterable<unknown>,
) {
  const out: [Key, unknown[]][] = [];
  for await (const group of groupPartition(sources, combine ? { combine } : {}))
    out.push([group.key, await group.values.toArray()]);
  return out;
}

describe('groupPartition', () => {
  test('merges sources in key order and keeps equal keys in source order', async () => {
    const a = partitionBytes([
      ['b', 'a1'],
      ['a', 'a0'],
      [['t', 1], 'a2'],
    ]);
    const b = partitionBytes([
      ['b', 'b1'],
      [3, 'b0'],
      ['c', 'b2'],
    ]);
    assert.deepEqual(await grouped([chunked(a, [3, 7]), chunked(b, [1])]), [
      [3, ['b0']],
      ['a', ['a0']],
      ['b', ['a1', 'b1']],
      ['c', ['b2']],
      [['t', 1], ['a2']],
    ]);
  });

  test('no sources, or only empty ones, give no groups', async () => {
    assert.deepEqual(await grouped([]), []);
    assert.deepEqual(await grouped([chunked(Buffer.alloc(0)), chunked(Buffer.alloc(0))]), []);
  });

  test('values the reducer leaves are skipped before the next key', async () => {
    const pairs: [Key, unknown][] = [];
    for (let i = 0; i < 50; i++) pairs.push(['a', i], ['b', i], ['c', i]);
    const seen: [Key, unknown[]][] = [];
    for await (const { key, values } of groupPartition([chunked(partitionBytes(pairs), [100, 200, 300])])) {
      const taken: unknown[] = [];
      if (key === 'b') {
        seen.push([key, []]); // never touches values
        continue;
      }
      for await (const v of values) {
        taken.push(v);
        if (taken.length === 3) break;
      }
      seen.push([key, taken]);
    }
    assert.deepEqual(seen, [
      ['a', [0, 1, 2]],
      ['b', []],
      ['c', [0, 1, 2]],
    ]);
  });

  test('toArray after a partial read returns the values not yet read', async () => {
    for await (const { values } of groupPartition([
      chunked(
        partitionBytes([
          ['k', 1],
          ['k', 2],
          ['k', 3],
        ]),
      ),
    ])) {
      const it = values[Symbol.asyncIterator]();
      assert.deepEqual(await it.next(), { done: false, value: 1 });
      assert.deepEqual(await values.toArray(), [2, 3]);
      assert.deepEqual(await it.next(), { done: true, value: undefined });
    }
  });

  test("a group's values are empty once the next group was requested", async () => {
    const kept: AsyncIterable<unknown>[] = [];
    for await (const { values } of groupPartition([
      chunked(
        partitionBytes([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ]))
      kept.push(values);
    for (const values of kept) for await (const v of values) assert.fail(`unexpected value ${String(v)}`);
  });

  test('a key with 200k values streams: the key is yielded before its values are read', async () => {
    const total = 200_000;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    // Encodes lazily, as a slow network read would deliver them.
    async function* source(): AsyncGenerator<Buffer> {
      const writer = new RecordWriter(16 * 1024);
      const key = encodeKey('hot');
      for (let i = 0; i < total; i++) {
        writer.add(key, String(i));
        produced++;
        for (const chunk of writer.take()) yield chunk;
      }
      yield* writer.end();
    }
    let sum = 0;
    for await (const { key, values } of groupPartition([source()])) {
      assert.equal(key, 'hot');
      assert.ok(
        produced < 10_000,
        `only the first chunk is decoded when the key is yielded; produced ${produced}`,
      );
      for await (const v of values) {
        sum += v as number;
        consumed++;
        maxAhead = Math.max(maxAhead, produced - consumed);
      }
    }
    assert.equal(consumed, total);
    assert.equal(sum, (total * (total - 1)) / 2);
    assert.ok(maxAhead < 10_000, `values are pulled as consumed, at most a chunk ahead; was ${maxAhead}`);
  });

  test('with combine, values reach the reducer combined in batches', async () => {
    const pairs: [Key, unknown][] = Array.from({ length: 2500 }, () => ['k', 1]);
    const batches: number[] = [];
    const sum = (_k: Key, vs: unknown[]) => {
      batches.push(vs.length);
      return [vs.reduce((a: number, b) => a + (b as number), 0)];
    };
    assert.deepEqual(await grouped([chunked(partitionBytes(pairs), [1000, 5000])], sum), [
      ['k', [1000, 1000, 500]],
    ]);
    assert.deepEqual(batches, [REDUCE_COMBINE_BATCH, REDUCE_COMBINE_BATCH, 500]);
  });

  test('a single value is not passed through combine', async () => {
    let calls = 0;
    const combine = (_k: Key, vs: unknown[]) => (calls++, vs);
    assert.deepEqual(await grouped([chunked(partitionBytes([['a', 1]]))], combine), [['a', [1]]]);
    assert.equal(calls, 0);
  });

  test('a combine that returns no iterable gets a ConfigError', async () => {
    const bad = () => undefined as unknown as Iterable<unknown>;
    await assert.rejects(
      grouped(
        [
          chunked(
            partitionBytes([
              ['a', 1],
              ['a', 2],
            ]),
          ),
        ],
        bad,
      ),
      {
        name: 'ConfigError',
        message:
          'combine("a", values) returned undefined; it must return an iterable of values, e.g. `return [values.reduce((a, b) => a + b, 0)]` or a generator.',
      },
    );
  });

  test('stopping early closes every source', async () => {
    const closed: number[] = [];
    async function* source(i: number): AsyncGenerator<Buffer> {
      try {
        yield partitionBytes([
          ['a', i],
          ['b', i],
        ]);
      } finally {
        closed.push(i);
      }
    }
    for await (const group of groupPartition([source(0), source(1)])) {
      assert.equal(group.key, 'a');
      break;
    }
    assert.deepEqual(closed.sort(), [0, 1]);
  });

  test('a value that is not JSON is reported as corrupt', async () => {
    const { object, index } = encodeObject([[{ key: encodeKey('a'), value: '{oops' }]]);
    const bytes = object.subarray(index[0]!.offset, index[0]!.offset + index[0]!.length);
    await assert.rejects(
      grouped([chunked(bytes)]),
      /^Error: Corrupt shuffle value for key "a": it is not valid JSON/,
    );
  });
});
