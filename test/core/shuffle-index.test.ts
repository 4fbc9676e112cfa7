// The shuffle index and the reduce plan: a reduce task finds exactly its partitions' byte ranges,
// in task then slice order, with a few ranged reads, and reduce tasks follow the shuffle's bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import type { TaskOutput, TaskRecord } from '../../src/core/records.ts';
import { planReduceRanges } from '../../src/core/reduce-plan.ts';
import {
  INDEX_PAGE_TASKS,
  buildShuffleIndex,
  readRangeSources,
  reduceSplit,
  type RangeSource,
} from '../../src/core/shuffle-index.ts';
import type { BlobStore, ByteRange } from '../../src/ports/blob-store.ts';
import { makeTask } from '../contracts/records.ts';
import { withTempDir } from './shuffle/helpers.ts';

const R = 7;

/** A map output whose partition p holds (task + slice + p) % 4 * 10 bytes (so some are empty). */
function output(task: number, slice: number): TaskOutput {
  let offset = 8;
  const partitions = Array.from({ length: R }, (_, p) => {
    const length = ((task + slice + p) % 4) * 10;
    const range = { offset, length, records: length / 10 };
    offset += length;
    return range;
  });
  return { shuffleObject: `tmp/r1/count/map/t${task}/a1${slice ? `-s${slice}` : ''}`, partitions };
}

/** Map tasks 0..count-1, DONE; every fifth ran in two slices. */
function mapTasks(count: number): TaskRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeTask('r1', 0, 'map', i, {
      state: 'DONE',
      output: output(i, i % 5 === 0 ? 1 : 0),
      counters: { 'map-records': 2 },
      ...(i % 5 === 0 ? { slices: [{ attempt: 1, output: output(i, 0), counters: {} }] } : {}),
    }),
  );
}

/** What a reduce task of [first, end) must see, computed from the task records directly. */
function expectedSources(tasks: TaskRecord[], first: number, end: number): RangeSource[] {
  const outputs = tasks.flatMap((t) => [...(t.slices ?? []).map((s) => s.output), t.output!]);
  return outputs
    .map((o) => ({
      name: o.shuffleObject!,
      offset: o.partitions![first]!.offset,
      lengths: o.partitions!.slice(first, end).map((r) => r.length),
    }))
    .filter((s) => s.lengths.some((l) => l > 0));
}

/** Counts the ranged reads a store serves. */
function counting(blobs: BlobStore): { blobs: BlobStore; reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  const read = blobs.read.bind(blobs);
  return {
    reads,
    blobs: Object.assign(Object.create(blobs) as BlobStore, {
      read: (name: string, range?: ByteRange) => {
        if (range) reads.push(range);
        return read(name, range);
      },
    }),
  };
}

void describe('shuffle index', () => {
  void test('a reduce task reads exactly its partitions of every committed output, in task then slice order, two reads per page', () =>
    withTempDir(async (dir) => {
      const state = new SqliteStateStore(join(dir, 'state.db'));
      const files = new FileBlobStore(join(dir, 'blobs'));
      try {
        const count = 2 * INDEX_PAGE_TASKS + 17; // three pages
        const tasks = mapTasks(count);
        await state.insertTasks([...tasks, makeTask('r1', 0, 'map', count, { state: 'PENDING' })]);
        const index = await buildShuffleIndex(state, files, {
          runId: 'r1',
          stage: 0,
          stageName: 'count',
          partitions: R,
        });
        assert.equal(index.pages.length, 3);
        assert.equal(index.sources, count + Math.ceil(count / 5));
        assert.equal(index.mapCounters['map-records'], 2 * count);
        for (let p = 0; p < R; p++) {
          const bytes = expectedSources(tasks, p, p + 1).reduce((n, s) => n + s.lengths[0]!, 0);
          assert.equal(index.partitionBytes[p], bytes, `bytes of partition ${p}`);
        }
        for (const [first, end] of [
          [0, 1],
          [2, 5],
          [0, R],
          [6, 7],
        ] as const) {
          const { blobs, reads } = counting(files);
          const split = reduceSplit(index, { first, end });
          assert.deepEqual(await readRangeSources(blobs, split), expectedSources(tasks, first, end));
          assert.equal(reads.length, 2 * split.pages.length, 'names and lines: two reads per page');
        }
        // A second build (a racing flip) finds the same pages and agrees.
        assert.deepEqual(
          await buildShuffleIndex(state, files, { runId: 'r1', stage: 0, stageName: 'count', partitions: R }),
          index,
        );
      } finally {
        await state.close();
      }
    }));

  void test('pages without bytes in a range are not read', () =>
    withTempDir(async (dir) => {
      const state = new SqliteStateStore(join(dir, 'state.db'));
      const files = new FileBlobStore(join(dir, 'blobs'));
      try {
        // Only the second page's tasks write partition 3.
        const only3 = (t: number): TaskOutput => ({
          shuffleObject: `o${t}`,
          partitions: Array.from({ length: R }, (_, p) => ({
            offset: 8,
            length: p === 3 && t >= INDEX_PAGE_TASKS ? 5 : 0,
            records: 0,
          })),
        });
        await state.insertTasks(
          Array.from({ length: INDEX_PAGE_TASKS + 3 }, (_, i) =>
            makeTask('r1', 0, 'map', i, { state: 'DONE', output: only3(i) }),
          ),
        );
        const index = await buildShuffleIndex(state, files, {
          runId: 'r1',
          stage: 0,
          stageName: 's',
          partitions: R,
        });
        assert.deepEqual(
          reduceSplit(index, { first: 3, end: 4 }).pages.map((p) => p[0]),
          [1],
        );
        assert.deepEqual(reduceSplit(index, { first: 0, end: 3 }).pages, []);
        assert.equal((await readRangeSources(files, reduceSplit(index, { first: 3, end: 4 }))).length, 3);
      } finally {
        await state.close();
      }
    }));
});

void describe('reduce plan', () => {
  const plan = (bytes: number[], sources: number, targetBytes: number, maxIndexEntries = 1e9) =>
    planReduceRanges(bytes, sources, { targetBytes, maxIndexEntries }).map((r) => [r.first, r.end]);

  void test('ranges are contiguous, cover every partition once, and close at the byte target', () => {
    assert.deepEqual(plan([10, 10, 10, 10, 10], 3, 20), [
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    assert.deepEqual(plan([5, 50, 5, 5], 3, 20), [
      [0, 1],
      [1, 2],
      [2, 4],
    ]);
    assert.deepEqual(plan([1, 1, 1, 1], 3, 1000), [[0, 4]], 'a small shuffle is one task, whatever R');
    assert.deepEqual(plan([0, 0, 0], 0, 1), [[0, 3]], 'an empty shuffle still has one task');
  });

  void test('the index-entry bound caps partitions per task at maxIndexEntries / sources', () => {
    assert.deepEqual(plan([1, 1, 1, 1, 1], 100, 1e9, 200), [
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    const ranges = planReduceRanges(new Array<number>(1000).fill(1000), 20_000, {
      targetBytes: 64 * 2 ** 20,
      maxIndexEntries: 1_000_000,
    });
    assert.equal(ranges.length, 20, '20,000 sources × 1,000 partitions: 50 partitions per task');
  });

  void test('a shuffle under the target is still cut for minTasks workers, never past its partitions', () => {
    const ranges = (bytes: number[], minTasks: number) =>
      planReduceRanges(bytes, 2, { targetBytes: 2 ** 30, maxIndexEntries: 1_000_000, minTasks }).map((r) => [
        r.first,
        r.end,
      ]);
    assert.deepEqual(ranges([10, 10, 10, 10], 1), [[0, 4]], 'one task by default');
    assert.deepEqual(ranges([10, 10, 10, 10], 2), [
      [0, 2],
      [2, 4],
    ]);
    assert.deepEqual(ranges([10, 10], 8), [
      [0, 1],
      [1, 2],
    ]);
    // Unequal sizes: each range closes at the boundary nearest its share, so 2 workers get 2 tasks.
    assert.deepEqual(ranges([10, 9, 11, 10], 2), [
      [0, 2],
      [2, 4],
    ]);
    assert.deepEqual(ranges([5, 1, 1, 1], 2), [
      [0, 1],
      [1, 4],
    ]);
    assert.deepEqual(ranges([1, 1, 1, 5], 2), [
      [0, 3],
      [3, 4],
    ]);
    for (const k of [2, 3, 4]) {
      const sizes = Array.from({ length: 16 }, (_, i) => 1000 + ((i * 7919) % 97));
      assert.equal(ranges(sizes, k).length, k, `16 partitions of about equal size, ${k} workers`);
    }
  });

  void test('cut for workers, a range still stays under the byte target', () => {
    const ranges = planReduceRanges([60, 60, 60, 60], 2, {
      targetBytes: 100,
      maxIndexEntries: 1e9,
      minTasks: 2,
    });
    for (const r of ranges)
      assert.ok(r.end - r.first === 1, 'two partitions of 60 would pass the target of 100');
  });
});
