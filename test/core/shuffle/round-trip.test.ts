// The whole shuffle: map-side collectors (with spills) → objects → reduce-side grouping, compared
// with a plain in-memory group-by.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';

import { encodeKey, partitionOf } from '../../../src/core/keys.ts';
import type { EncodedKey, Key } from '../../../src/core/keys.ts';
import { MAX_MERGE_FAN_IN, ShuffleCollector } from '../../../src/core/shuffle/collector.ts';
import type { CombineFn } from '../../../src/core/shuffle/combine.ts';
import { readFooter } from '../../../src/core/shuffle/format.ts';
import { groupPartition } from '../../../src/core/shuffle/merge.ts';
import { chunked, collectBytes, withTempDir } from './helpers.ts';

const sum: CombineFn = (_key, values) => [values.reduce((a: number, b) => a + (b as number), 0)];
const sumObjects: CombineFn = (_key, values) => [
  { n: values.reduce((a: number, b) => a + (b as { n: number }).n, 0) },
];

/** plain: no combiner; sum: numbers, combined pairwise on emit; objects: { n } values, combined in batches. */
type Mode = 'plain' | 'sum' | 'objects';
const COMBINERS: Record<Mode, CombineFn | undefined> = { plain: undefined, sum, objects: sumObjects };

const key = fc.oneof(
  fc.constantFrom('a', 'b', 'é', 'x\0y', '', '😀'),
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -3, max: 3 }),
  fc.tuple(fc.constantFrom('u', 'v'), fc.integer({ min: 0, max: 2 })),
);
type Emit = [Key, number];
const value = fc.integer({ min: -1000, max: 1000 });
// Skewed emits too, so keys pass the map-side combine threshold within one buffer.
const emits = fc.oneof(
  fc.array(fc.tuple(key, value), { maxLength: 120 }),
  fc.array(fc.tuple(fc.constantFrom<Key>('hot', ['hot', 1]), value), { minLength: 40, maxLength: 150 }),
);

interface Scenario {
  tasks: Emit[][];
  partitions: number;
  memoryBudgetBytes: number;
  mode: Mode;
}

/** Runs each task's emits through a collector and returns its object and index. */
async function mapTask(dir: string, emitted: Emit[], s: Scenario) {
  const collector = new ShuffleCollector({
    partitions: s.partitions,
    memoryBudgetBytes: s.memoryBudgetBytes,
    scratchDir: dir,
    ...(COMBINERS[s.mode] ? { combine: COMBINERS[s.mode] } : {}),
  });
  try {
    for (const [k, v] of emitted) {
      collector.emit(k, s.mode === 'objects' ? { n: v } : v);
      if (collector.overBudget) await collector.spill();
    }
    const object = await collectBytes(collector.finish());
    assert.deepEqual(readFooter(object).partitions, collector.index);
    assert.equal(collector.recordsIn, emitted.length);
    return { object, index: collector.index, spills: collector.spills };
  } finally {
    await collector.dispose();
  }
}

async function runShuffle(dir: string, s: Scenario) {
  const maps: Awaited<ReturnType<typeof mapTask>>[] = [];
  for (const [i, emitted] of s.tasks.entries()) maps.push(await mapTask(join(dir, `m${i}`), emitted, s));
  const out = new Map<EncodedKey, unknown[]>();
  for (let r = 0; r < s.partitions; r++) {
    const sources = maps.map(({ object, index }, i) => {
      const range = index[r]!;
      const bytes = object.subarray(range.offset, range.offset + range.length);
      return chunked(bytes, [i + 1, 7 * i + 3, 40]);
    });
    let previous: EncodedKey | undefined;
    for await (const group of groupPartition(
      sources,
      COMBINERS[s.mode] ? { combine: COMBINERS[s.mode] } : {},
    )) {
      assert.equal(partitionOf(group.encodedKey, s.partitions), r, 'every key lands in its partition');
      assert.ok(previous === undefined || previous < group.encodedKey, 'keys come out sorted and once');
      assert.equal(encodeKey(group.key), group.encodedKey);
      previous = group.encodedKey;
      out.set(group.encodedKey, await group.values.toArray());
    }
  }
  return { out, spills: maps.map((m) => m.spills) };
}

/** Per key: every value in (task, emit) order, or the sum when combining. */
function reference(s: Scenario): Map<EncodedKey, unknown[]> {
  const ref = new Map<EncodedKey, number[]>();
  for (const task of s.tasks) {
    for (const [k, v] of task) {
      const e = encodeKey(k);
      ref.set(e, [...(ref.get(e) ?? []), v]);
    }
  }
  return new Map([...ref].map(([e, vs]) => [e, s.mode === 'plain' ? vs : [vs.reduce((a, b) => a + b, 0)]]));
}

/** Combined outputs may arrive split into several partial sums; compare totals. */
function totals(groups: Map<EncodedKey, unknown[]>): Map<EncodedKey, number> {
  const n = (v: unknown) => (typeof v === 'number' ? v : (v as { n: number }).n);
  return new Map([...groups].map(([e, vs]) => [e, vs.reduce((a: number, v) => a + n(v), 0)]));
}

describe('shuffle round trip', () => {
  test('grouped output equals an in-memory group-by for any emits, partitions, budget and combiner', async () => {
    await withTempDir(async (dir) => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(emits, { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 1, max: 8 }),
          fc.constantFrom(1, 300, 2000, 1 << 20),
          fc.constantFrom<Mode>('plain', 'sum', 'objects'),
          async (tasks, partitions, memoryBudgetBytes, mode) => {
            const s = { tasks, partitions, memoryBudgetBytes, mode };
            const { out, spills } = await runShuffle(join(dir, String(run++)), s);
            const expected = reference(s);
            if (mode !== 'plain') assert.deepEqual(totals(out), totals(expected));
            else assert.deepEqual(out, expected); // exact order: stable within runs and across runs
            tasks.forEach((task, i) => {
              if (memoryBudgetBytes === 1 && task.length > 0)
                assert.ok(spills[i]! > 0, 'a tiny budget forces spills');
              if (memoryBudgetBytes === 1 << 20) assert.equal(spills[i], 0);
            });
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  test(`more than ${MAX_MERGE_FAN_IN} spills are merged in rounds and give the same answer`, async () => {
    await withTempDir(async (dir) => {
      const task: Emit[] = Array.from({ length: 3 * MAX_MERGE_FAN_IN + 5 }, (_, i) => [`k${i % 7}`, i]);
      for (const mode of ['plain', 'sum', 'objects'] as const) {
        const s = { tasks: [task], partitions: 3, memoryBudgetBytes: 1, mode };
        const { out, spills } = await runShuffle(join(dir, mode), s);
        assert.equal(spills[0], task.length);
        if (mode !== 'plain') {
          assert.deepEqual(totals(out), totals(reference(s)));
          for (const values of out.values())
            assert.equal(values.length, 1, 'runs of the same key are combined in the merge');
        } else {
          assert.deepEqual(out, reference(s));
        }
      }
    });
  });

  test('dispose removes every spill run and the scratch directory it created', async () => {
    await withTempDir(async (dir) => {
      const scratchDir = join(dir, 'attempt-1');
      const collector = new ShuffleCollector({ partitions: 2, memoryBudgetBytes: 1, scratchDir });
      collector.emit('a', 1);
      await collector.spill();
      collector.emit('b', 2);
      await collector.spill();
      assert.equal(collector.spills, 2);
      const [spillDir] = await readdir(scratchDir);
      assert.equal((await readdir(join(scratchDir, spillDir!))).length, 2);
      await collectBytes(collector.finish());
      await collector.dispose();
      assert.deepEqual(await readdir(dir), []);
    });
  });
});
