// Multi-stage jobs: a stage reading an earlier one, a side input handed whole to every task, and
// a map-only stage writing straight to its output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineJob, fromStage, input, output, type Values } from '../../src/index.ts';
import { runJob } from '../../src/testing.ts';

const job = defineJob({
  name: 'side-input-check',
  stages: [
    {
      name: 'counts',
      input: input.integers(30),
      map(i: number, emit: (bucket: number, one: number) => void) {
        emit(i % 3, 1);
      },
      async reduce(bucket: number, ones: Values<number>, emit: (r: { bucket: number; n: number }) => void) {
        emit({ bucket, n: (await ones.toArray()).length });
      },
    },
    {
      name: 'label',
      input: input.integers(6),
      shards: 3,
      sideInputs: { counts: fromStage('counts') },
      map(i: number, emit: (r: { i: number; bucketSize: number; buckets: number }) => void, ctx) {
        const counts = ctx.side.counts as { bucket: number; n: number }[];
        emit({ i, bucketSize: counts.find((c) => c.bucket === i % 3)!.n, buckets: counts.length });
      },
      outputs: { labelled: output.ndjson() },
    },
  ],
});

test('a side input from an earlier stage reaches every task of a later map-only stage', async () => {
  const { run, outputs } = await runJob(job, { partitions: 2 });
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  const rows = outputs.labelled!.sort((a, b) => Number(a.i) - Number(b.i));
  assert.deepEqual(
    rows,
    [0, 1, 2, 3, 4, 5].map((i) => ({ i, bucketSize: 10, buckets: 3 })),
  );
  assert.equal(run.stages[1]!.mapTasks, 3);
  assert.equal(run.stages[1]!.reduceTasks, undefined, 'a map-only stage has no reduce phase');
});

test('an empty input still finalizes: the run is DONE with empty outputs', async () => {
  const empty = defineJob({
    name: 'empty-input',
    input: input.integers(0),
    map(i: number, emit: (r: { i: number }) => void) {
      emit({ i });
    },
    outputs: { rows: output.table('empty_rows', { i: 'INT64' }, { mode: 'truncate' }) },
  });
  const { run, outputs } = await runJob(empty);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.equal(run.stages[0]!.mapTasks, 0);
  assert.deepEqual(outputs.rows, []);
});
