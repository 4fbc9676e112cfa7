// Seeded fault injection on the local bus: duplicate deliveries (also concurrent), lost deliveries
// and lost acks after the handler ran. Whatever the faults, the output equals the fault-free one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinerSums, dedupe } from '../../jobs/golden.ts';
import { runJob } from '../../src/testing.ts';

const sortBy = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a[key]).localeCompare(String(b[key]));

// 24 shards: enough deliveries that every seed both duplicates and loses some (with 12, which
// faults a seed drew depended on the order of deliveries, and seed 3 once lost none).
const seen = { duplicates: 0, lostAcks: 0, lostBeforeHandler: 0 };

for (const seed of [1, 2, 3, 4]) {
  test(`duplicate and lost deliveries never change an output (seed ${seed})`, async () => {
    const job = combinerSums({ combine: true, name: 'chaos-sums' });
    const clean = await runJob(job, { shards: 24, partitions: 3 });
    const faulty = await runJob(job, {
      shards: 24,
      partitions: 3,
      faults: { seed, duplicateRate: 0.5, failBeforeRate: 0.15, failAfterRate: 0.2, maxDelayMillis: 5 },
    });
    assert.equal(clean.run.status, 'DONE');
    assert.equal(faulty.run.status, 'DONE', JSON.stringify(faulty.run.error));
    assert.deepEqual(faulty.outputs.sums!.sort(sortBy('key')), clean.outputs.sums!.sort(sortBy('key')));
    const d = faulty.delivery;
    assert.ok(
      d.duplicates > 0 && d.lostAcks + d.lostBeforeHandler > 0,
      `faults were injected: ${JSON.stringify(d)}`,
    );
    seen.duplicates += d.duplicates;
    seen.lostAcks += d.lostAcks;
    seen.lostBeforeHandler += d.lostBeforeHandler;
  });
}

test('across the seeds every kind of fault happened', () => {
  for (const [kind, n] of Object.entries(seen)) assert.ok(n > 0, `${kind}: ${n}`);
});

test('dedupe under heavy duplication still writes exactly 200 records', async () => {
  const { run, outputs, delivery } = await runJob(dedupe, {
    faults: { seed: 9, duplicateRate: 0.9, failAfterRate: 0.3 },
  });
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.ok(delivery.duplicates > 10, JSON.stringify(delivery));
  assert.equal(outputs.records!.length, 200);
  // Counters of duplicate attempts never reach the totals: every record was read exactly once.
  assert.equal(run.stages[0]!.counters!['map-records'], 400);
});

for (const seed of [21, 22, 23]) {
  test(`tasks sliced at every record and key under duplicate and lost deliveries give the exact output (seed ${seed})`, async () => {
    const job = combinerSums({ combine: true, name: 'chaos-sliced-sums' });
    const clean = await runJob(job, { shards: 4, partitions: 2 });
    const faulty = await runJob(job, {
      shards: 4,
      partitions: 2,
      taskBudgetMillis: 0,
      faults: { seed, duplicateRate: 0.4, failBeforeRate: 0.1, failAfterRate: 0.2, maxDelayMillis: 3 },
    });
    assert.equal(faulty.run.status, 'DONE', JSON.stringify(faulty.run.error));
    assert.deepEqual(faulty.outputs.sums, clean.outputs.sums);
    const counters = faulty.run.stages[0]!.counters!;
    assert.equal(counters['map-records'], 400, 'every record counted once, whatever was redelivered');
    assert.equal(counters['reduce-keys'], 4);
    const d = faulty.delivery;
    assert.ok(d.duplicates > 0 && d.lostAcks + d.lostBeforeHandler > 0, JSON.stringify(d));
  });
}
