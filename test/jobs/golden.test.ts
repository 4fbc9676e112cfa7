// appengine-mapreduce's golden outputs, for any shard and partition counts, with and without the combiner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinerSums, dedupe } from '../../jobs/golden.ts';
import { runJob } from '../../src/testing.ts';

test('dedupe: 200 records stored twice give exactly 200 outputs, each key with its two values', async () => {
  const { run, outputs } = await runJob(dedupe);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  const records = outputs.records!;
  assert.equal(records.length, 200);
  assert.deepEqual(records.map((r) => r.key).sort(), Array.from({ length: 200 }, (_, i) => String(i)).sort());
  for (const r of records) assert.deepEqual(r.values, ['', '']);
});

const expected = [
  { key: '0', sum: 9800 },
  { key: '1', sum: 9900 },
  { key: '2', sum: 10000 },
  { key: '3', sum: 10100 },
];

for (const combine of [true, false]) {
  for (const [shards, partitions] of [
    [1, 1],
    [4, 2],
    [7, 5],
    [16, 3],
  ] as const) {
    test(`combiner-sums gives (0,9800) (1,9900) (2,10000) (3,10100) ${combine ? 'with' : 'without'} the combiner, ${shards} shards, ${partitions} partitions`, async () => {
      const job = combinerSums({ combine, name: combine ? 'sums-combined' : 'sums-plain' });
      const { run, outputs } = await runJob(job, { shards, partitions });
      assert.equal(run.status, 'DONE', JSON.stringify(run.error));
      const sums = outputs
        .sums!.map((r) => ({ key: r.key, sum: r.sum }))
        .sort((a, b) => String(a.key).localeCompare(String(b.key)));
      assert.deepEqual(sums, expected);
      assert.equal(run.stages[0]!.mapTasks, Math.min(shards, 400));
    });
  }
}
