// Reduce tasks over partition ranges, with merge passes and slices: the output is exactly the one
// of one task per partition with an unbounded merge, even the order of each key's values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordcount } from '../../jobs/wordcount.ts';
import { mergePasses } from '../../src/core/shuffle/bounded-merge.ts';
import { defineJob, input, output, type Values } from '../../src/index.ts';
import { writeZipfText } from '../../src/samples/zipf-text.ts';
import { runJob, type RunJobOptions, type RunJobResult } from '../../src/testing.ts';

/** No combiner: each key's values arrive in source (map task, slice) order, which the output keeps. */
function orderedValues(count: number, shards: number, keys: number) {
  return defineJob({
    name: `ordered-values-${count}`,
    input: input.integers(count),
    shards,
    partitions: 7,
    map(i: number, emit: (key: number, value: number) => void) {
      emit(i % keys, i);
    },
    async reduce(key: number, values: Values<number>, emit: (r: { key: number; values: number[] }) => void) {
      emit({ key, values: await values.toArray() });
    },
    outputs: { rows: output.ndjson() },
  });
}
const ordered = orderedValues(3000, 11, 97);

const forced: RunJobOptions['shuffle'] = { reduceTaskBytes: 1, reduceFanIn: 2 };

async function run(job: Parameters<typeof runJob>[0], options: RunJobOptions): Promise<RunJobResult> {
  const result = await runJob(job, options);
  assert.equal(result.run.status, 'DONE', JSON.stringify(result.run.error));
  return result;
}

const byKey = (rows: Record<string, unknown>[], key: string) =>
  [...rows].sort((a, b) => JSON.stringify(a[key]).localeCompare(JSON.stringify(b[key])));

void describe('reduce over partition ranges', () => {
  void test('several reduce tasks, a fan-in of 2 (merge passes) and slices give the values in the same order', async () => {
    const plain = await run(ordered, {});
    assert.equal(
      plain.run.stages[0]!.reduceTasks,
      1,
      'a small shuffle is one reduce task for all 7 partitions',
    );
    const ranged = await run(ordered, { shuffle: forced });
    const counters = ranged.run.stages[0]!.counters!;
    assert.ok(ranged.run.stages[0]!.reduceTasks! > 1, 'a 1-byte target gives several reduce tasks');
    assert.ok((counters['reduce-merge-runs'] ?? 0) > 0, 'fan-in 2 over 11 sources merges in passes');
    assert.deepEqual(byKey(ranged.outputs.rows!, 'key'), byKey(plain.outputs.rows!, 'key'));
    assert.equal(plain.outputs.rows!.length, 97);
  });

  void test('sliced after every record and key (a budget of 0 ms), ranges and merge passes give the same values in the same order', async () => {
    // Small: every map record becomes a slice, hence a source, and each reduce slice merges again.
    const small = orderedValues(40, 3, 9);
    const plain = await run(small, {});
    const sliced = await run(small, { shuffle: forced, taskBudgetMillis: 0 });
    assert.ok(sliced.run.stages[0]!.reduceTasks! > 1);
    assert.deepEqual(byKey(sliced.outputs.rows!, 'key'), byKey(plain.outputs.rows!, 'key'));
    assert.equal(plain.outputs.rows!.length, 9);
  });

  void test('a sliced reduce merges its sources once and hands the merged runs to its next slices', async () => {
    // One reduce task over 40 sources (every map record a slice), fan-in 2, a slice per key: the
    // merge passes' runs are counted once, not once per slice (9 keys, so 9 slices).
    const small = orderedValues(40, 3, 9);
    const plain = await run(small, {});
    const sliced = await run(small, { shuffle: { reduceFanIn: 2 }, taskBudgetMillis: 0 });
    assert.equal(sliced.run.stages[0]!.reduceTasks, 1);
    const once = mergePasses(40, 2)
      .flat()
      .filter(([start, end]) => end - start > 1).length;
    assert.equal(sliced.run.stages[0]!.counters!['reduce-merge-runs'], once);
    assert.deepEqual(byKey(sliced.outputs.rows!, 'key'), byKey(plain.outputs.rows!, 'key'));
  });

  void test('wordcount with its combiner in the merge passes, on worker threads, counts the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ranges-'));
    try {
      await writeZipfText(join(dir, 'a.txt'), { bytes: 200_000, seed: 3, vocabularySize: 2000 });
      const options: RunJobOptions = { cwd: dir, inputs: ['a.txt'], shards: 9, partitions: 5 };
      const plain = await run(wordcount, options);
      const ranged = await run(wordcount, {
        ...options,
        shuffle: { reduceTaskBytes: 4096, reduceFanIn: 3 },
        workers: 2,
      });
      assert.ok(ranged.run.stages[0]!.reduceTasks! > 1);
      const table = Object.keys(plain.outputs)[0]!;
      assert.deepEqual(byKey(ranged.outputs[table]!, 'word'), byKey(plain.outputs[table]!, 'word'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
