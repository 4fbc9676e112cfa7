// The reduce side's bounded fan-in: past the bound, sources are merged in passes through
// intermediate runs, and what the reducer sees is exactly what one unbounded merge gives.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { encodeKey } from '../../../src/core/keys.ts';
import type { RangeSource } from '../../../src/core/shuffle-index.ts';
import { mergePasses, mergeToFanIn, openRanges } from '../../../src/core/shuffle/bounded-merge.ts';
import { encodeObject } from '../../../src/core/shuffle/encoder.ts';
import { readFooter } from '../../../src/core/shuffle/format.ts';
import { groupPartition } from '../../../src/core/shuffle/merge.ts';
import { PartitionedRead } from '../../../src/core/shuffle/partitioned-read.ts';
import type { BlobStore } from '../../../src/ports/blob-store.ts';
import { chunked, collectBytes, withTempDir } from './helpers.ts';

const PARTITIONS = 5; // objects hold 5; the reduce range is partitions 1..3
const FIRST = 1;
const END = 4;

/** Source s: keys k0..k29 of partition p where (key + s + p) % 3 != 0, value "s:key". */
function sourceObject(s: number): Buffer {
  const partitions = Array.from({ length: PARTITIONS }, (_, p) =>
    Array.from({ length: 30 }, (_, k) => k)
      .filter((k) => (k + s + p) % 3 !== 0 && !(s % 7 === 0 && p === 2))
      .map((k) => ({
        key: encodeKey(`k${String(k).padStart(2, '0')}`),
        value: JSON.stringify(s * 1000 + k),
      })),
  );
  return encodeObject(partitions).object;
}

async function writeSources(blobs: BlobStore, count: number): Promise<RangeSource[]> {
  const sources: RangeSource[] = [];
  for (let s = 0; s < count; s++) {
    const bytes = sourceObject(s);
    const name = `tmp/run/stage/map/t${s}/a1`;
    await blobs.put(name, bytes, { createOnly: true });
    const ranges = readFooter(bytes).partitions.slice(FIRST, END);
    sources.push({ name, offset: ranges[0]!.offset, lengths: ranges.map((r) => r.length) });
  }
  return sources;
}

/** Every group of every partition of the range, values in the order the reducer gets them. */
async function reduceView(blobs: BlobStore, sources: RangeSource[], combine?: boolean): Promise<string[]> {
  const reads = openRanges(blobs, sources);
  const seen: string[] = [];
  try {
    for (let p = 0; p < END - FIRST; p++) {
      const groups = groupPartition(
        reads.map((r) => r.partition(p)),
        combine ? { combine: (_k, values) => [(values as number[]).reduce((a, b) => a + b, 0)] } : {},
      );
      for await (const group of groups)
        seen.push(`${p}/${String(group.key)}=${JSON.stringify(await group.values.toArray())}`);
    }
  } finally {
    await Promise.all(reads.map((r) => r.close()));
  }
  return seen;
}

void describe('bounded fan-in merge', () => {
  void test('mergePasses plans balanced consecutive groups until at most fanIn remain', () => {
    assert.deepEqual(mergePasses(4, 4), []);
    assert.deepEqual(mergePasses(5, 4), [
      [
        [0, 2],
        [2, 5],
      ],
    ]);
    const passes = mergePasses(23, 4);
    assert.deepEqual(
      passes.map((p) => p.length),
      [6, 2],
    );
    for (const pass of passes) {
      const sizes = pass.map(([s, e]) => e - s);
      assert.ok(
        Math.max(...sizes) <= 4 && Math.max(...sizes) - Math.min(...sizes) <= 1,
        `balanced: ${sizes}`,
      );
    }
    assert.deepEqual(
      mergePasses(20_000, 128).map((p) => p.length),
      [157, 2],
    );
    assert.throws(() => mergePasses(10, 1), /fan-in must be at least 2/);
  });

  void test('with a fan-in of 4, 23 sources merge in two passes and the reducer sees exactly the unbounded merge', () =>
    withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const sources = await writeSources(blobs, 23);
      const expected = await reduceView(blobs, sources);
      const written: string[] = [];
      const merged = await mergeToFanIn(sources, {
        blobs,
        fanIn: 4,
        partitions: END - FIRST,
        runName: (pass, group) => {
          const name = `tmp/run/stage/reduce/t0/a1/m${pass}-${group}`;
          written.push(name);
          return name;
        },
      });
      assert.ok(merged.length <= 4, `at most 4 sources remain, got ${merged.length}`);
      assert.equal(written.length, 6 + 2, 'six runs in pass 1, two in pass 2');
      assert.ok(
        written.every((n) => n.includes('/a1/')),
        'intermediate runs are attempt-scoped',
      );
      assert.deepEqual(await reduceView(blobs, merged), expected);
      assert.ok(expected.length > 50, 'the test merges real data');
    }));

  void test('with a combiner, intermediate runs are combined and the reduced sums are unchanged', () =>
    withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const sources = await writeSources(blobs, 11);
      const expected = await reduceView(blobs, sources, true);
      const merged = await mergeToFanIn(sources, {
        blobs,
        fanIn: 3,
        partitions: END - FIRST,
        runName: (pass, group) => `tmp/run/stage/reduce/t0/a2/m${pass}-${group}`,
        combine: (_k, values) => [(values as number[]).reduce((a, b) => a + b, 0)],
      });
      assert.ok(merged.length <= 3);
      assert.deepEqual(await reduceView(blobs, merged, true), expected);
    }));

  void test('a merge run the store wrote but answered "exists" (a retried upload) is this attempt\'s own; a name taken before the merge was sent is not', () =>
    withTempDir(async (dir) => {
      const files = new FileBlobStore(dir);
      const sources = await writeSources(files, 9);
      const expected = await reduceView(files, sources);
      /** The store with its put replaced. */
      const withPut = (put: BlobStore['put']): BlobStore =>
        new Proxy(files, {
          get: (target, key) => {
            if (key === 'put') return put;
            const value: unknown = Reflect.get(target, key);
            return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
          },
        });
      // Applies the write, then answers as a client whose retry met its own first try.
      const retried = withPut(async (name, data, options) => {
        const { size } = await files.put(name, data, options);
        return { created: false, size };
      });
      const merged = await mergeToFanIn(sources, {
        blobs: retried,
        fanIn: 3,
        partitions: END - FIRST,
        runName: (pass, group) => `tmp/run/stage/reduce/t0/a3/m${pass}-${group}`,
      });
      assert.deepEqual(await reduceView(files, merged), expected);
      // Taken before anything was sent: another writer's object; this attempt gives way.
      const taken = withPut(async () => ({ created: false, size: 0 }));
      await assert.rejects(
        mergeToFanIn(sources, {
          blobs: taken,
          fanIn: 3,
          partitions: END - FIRST,
          runName: (pass, group) => `tmp/run/stage/reduce/t0/a4/m${pass}-${group}`,
        }),
        { name: 'TransientError', message: /exists already: another worker holds this attempt/ },
      );
    }));

  void test('a PartitionedRead hands out each partition of one ranged stream, chunks cut anywhere, skipping partitions', async () => {
    const bytes = Buffer.from('aaaBBccccDDDDDe');
    const lengths = [3, 2, 4, 5, 1];
    let opened = 0;
    for (const cuts of [[], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [4, 11]]) {
      const read = new PartitionedRead(
        (start, end) => {
          opened++;
          return chunked(bytes.subarray(start, end), cuts);
        },
        0,
        lengths,
      );
      assert.equal((await collectBytes(read.partition(0))).toString(), 'aaa');
      assert.equal((await collectBytes(read.partition(2))).toString(), 'cccc', 'partition 1 skipped');
      const partial = read.partition(3)[Symbol.asyncIterator]();
      await partial.next(); // a consumer that stops early
      await partial.return(undefined);
      assert.equal((await collectBytes(read.partition(4))).toString(), 'e');
      await assert.rejects(collectBytes(read.partition(1)), /asked for after partition 4/);
      await read.close();
    }
    assert.equal(opened, 3, 'one request per read');
    const empty = new PartitionedRead(() => assert.fail('an empty range is never requested'), 10, [0, 0]);
    assert.equal((await collectBytes(empty.partition(1))).length, 0);
  });

  void test('a range that ends before the index says fails naming the bytes', async () => {
    const read = new PartitionedRead(() => chunked(Buffer.from('abc')), 100, [2, 3]);
    await assert.rejects(
      collectBytes(read.partition(1)),
      /read of bytes 100\.\.105 ended at 103, before byte 105/,
    );
  });
});
