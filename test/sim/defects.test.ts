// The protocol defects of issue 10, each driven through the simulator by one scripted interleaving.
// Every one of these failed before its fix (see the commit that fixed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineJob, input, output, NonRetryableError } from '../../src/index.ts';
import { faultAt, ndjsonRecords, quietWorld, send } from './harness.ts';
import { simUndeployed } from './sim-jobs.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { ALL_JOBS } from './sim-jobs.ts';

const brokenMap = defineJob({
  name: 'sim-broken',
  description: 'map throws a permanent error at record 3',
  input: input.integers(6),
  map(i: number, emit: (r: { n: number }) => void) {
    if (i === 3) throw new NonRetryableError('record 3 is corrupt');
    emit({ n: i });
  },
  outputs: { out: output.ndjson() },
});

test('defect 1: a stage re-planned after its input changed keeps its one plan (no mixed cuts)', async () => {
  const world = quietWorld();
  world.files.files.set('in/f0.txt', Buffer.from('one two\nthree\n'));
  // The first planner inserts its tasks and dies before it moves the run to map; then a file
  // lands; the sweeper plans the stage again over the new listing.
  const crash = faultAt(
    world,
    'crash-before',
    (p, op) => p.name.startsWith('jobs') && op === 'state.updateRun',
  );
  world.sched.at(5_000, () => {
    world.files.files.set('in/f1.txt', Buffer.from('four five six\nseven\neight nine\nten eleven twelve\n'));
  });
  send(world, { job: 'sim-lines', runId: 'r1', shards: 3, partitions: 1, inputs: ['in/*.txt'] });
  await world.run();
  assert.ok(crash.fired());
  const run = world.state.runs.get('r1');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  const files = ndjsonRecords(world, run, 'files') as { file: string; lines: number }[];
  const byFile = Object.fromEntries(files.map((f) => [f.file, f.lines]));
  // One cut: either the listing before the file landed, or the one after — never a mix.
  assert.ok(
    JSON.stringify(byFile) === JSON.stringify({ 'in/f0.txt': 2 }) ||
      JSON.stringify(byFile) === JSON.stringify({ 'in/f0.txt': 2, 'in/f1.txt': 4 }),
    JSON.stringify(byFile),
  );
  assert.equal(
    run!.stages[0]!.counters!['map-records'],
    Object.values(byFile).reduce((a, b) => a + b, 0),
  );
  assert.deepEqual(world.violations, []);
});

test('defect 2: a scheduled run whose input matches nothing fails with the reason, and the sweeper still repairs an older run', async () => {
  const world = quietWorld();
  // The good run's planner dies before publishing its map messages: only the sweeper can move it.
  faultAt(
    world,
    'crash-before',
    (p, op, label) => p.name.startsWith('jobs') && op === 'bus.publish' && label.startsWith('map'),
  );
  send(world, { job: 'sim-squares', runId: 'good', shards: 2 });
  // No runId, as every Cloud Scheduler message: the run id comes from the message id.
  const id = send(world, { job: 'wordcount', inputs: ['missing/*.txt'] }, 1_000);
  await world.run();
  const bad = world.state.runs.get(`wordcount-m${id}`);
  assert.equal(bad?.status, 'FAILED');
  assert.match(bad.error!.message, /matched no files/);
  assert.equal(world.state.runs.get('good')?.status, 'DONE');
  assert.deepEqual(world.violations, []);
});

test('defect 2: a running run whose job was undeployed fails with the reason', async () => {
  const world = quietWorld();
  faultAt(
    world,
    'crash-before',
    (p, op, label) => p.name.startsWith('jobs') && op === 'bus.publish' && label.startsWith('map'),
  );
  send(world, { job: simUndeployed.name, runId: 'orphan', shards: 2 });
  world.sched.at(10_000, () => {
    const jobs = new JobRegistry();
    for (const job of ALL_JOBS) jobs.register(job);
    world.jobs = jobs;
  });
  await world.run();
  const run = world.state.runs.get('orphan');
  assert.equal(run?.status, 'FAILED');
  assert.match(run.error!.message, /Unknown job "sim-undeployed"/);
  assert.deepEqual(world.violations, []);
});

test('defect 3: a task that kills its process on every attempt fails after maxAttempts claims, with the reason', async () => {
  const world = quietWorld();
  world.poisoned.add('p1/s0-map-00001');
  send(world, { job: 'sim-squares', runId: 'p1', shards: 3, maxAttempts: 3 });
  await world.run();
  const run = world.state.runs.get('p1');
  assert.equal(run?.status, 'FAILED');
  assert.equal(run.error?.taskId, 's0-map-00001');
  assert.match(
    run.error!.message,
    /attempt 3 died without reporting \(process killed: out of memory or timeout\?\)/,
  );
  assert.equal(world.state.tasks.get('p1')!.get('s0-map-00001')!.attempt, 3);
  assert.deepEqual(world.violations, []);
});

test('defect 4: a commit that applied but answered with an error is a success, not a reason to delete output', async () => {
  const world = quietWorld();
  const commits = new Map<number, number>();
  const fault = faultAt(world, 'ambiguous-retried', (p, op) => {
    if (!p.name.startsWith('map') || op !== 'state.updateTask') return false;
    commits.set(p.id, (commits.get(p.id) ?? 0) + 1);
    return commits.get(p.id) === 2; // claim, then commit
  });
  send(world, { job: 'combiner-sums', runId: 'a1', shards: 2, partitions: 2 });
  await world.run();
  assert.ok(fault.fired());
  assert.equal(world.state.runs.get('a1')?.status, 'DONE', JSON.stringify(world.state.runs.get('a1')?.error));
  assert.deepEqual(world.violations, []);
});

test('defect 4: an ambiguous slice commit still publishes the continuation and keeps the slice', async () => {
  const world = quietWorld();
  world.config.taskBudgetMillis = 0;
  const commits = new Map<number, number>();
  const fault = faultAt(world, 'ambiguous-retried', (p, op) => {
    if (!p.name.startsWith('map') || op !== 'state.updateTask') return false;
    commits.set(p.id, (commits.get(p.id) ?? 0) + 1);
    return commits.get(p.id) === 2;
  });
  send(world, { job: 'sim-squares', runId: 's1', shards: 1 });
  await world.run();
  assert.ok(fault.fired());
  const run = world.state.runs.get('s1');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  assert.equal(world.warehouse.tables.get('sim_squares')?.length, 37);
  assert.deepEqual(world.violations, []);
});

test('defect 4: an ambiguous final failure still fails the run', async () => {
  const world = quietWorld([brokenMap]);
  const fault = faultAt(
    world,
    'ambiguous-retried',
    (p, op) => p.name.startsWith('map') && op === 'state.updateTask',
    2,
  );
  send(world, { job: brokenMap.name, runId: 'f1', shards: 1 });
  await world.run();
  assert.ok(fault.fired());
  const run = world.state.runs.get('f1');
  assert.equal(run?.status, 'FAILED');
  assert.match(run.error!.message, /record 3 is corrupt/);
  assert.deepEqual(world.violations, []);
});

test('defect 5: a failed task whose run-failure write failed is repaired: the run fails', async () => {
  const world = quietWorld([brokenMap]);
  const fault = faultAt(world, 'transient', (p, op) => p.name.startsWith('map') && op === 'state.updateRun');
  send(world, { job: brokenMap.name, runId: 'f2', shards: 1 });
  await world.run();
  assert.ok(fault.fired());
  const run = world.state.runs.get('f2');
  assert.equal(run?.status, 'FAILED');
  assert.equal(run.error?.taskId, 's0-map-00000');
  assert.match(run.error!.message, /record 3 is corrupt/);
  assert.deepEqual(world.violations, []);
});

test('found by the simulator: a create-only part upload that applied but was retried does not cost an attempt', async () => {
  const world = quietWorld();
  const fault = faultAt(
    world,
    'ambiguous-retried',
    (p, op) => p.name.startsWith('map') && op === 'blobs.put',
  );
  send(world, { job: 'sim-squares', runId: 'u1', shards: 1, maxAttempts: 1 });
  await world.run();
  assert.ok(fault.fired());
  const run = world.state.runs.get('u1');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  assert.equal(world.warehouse.tables.get('sim_squares')?.length, 37);
  assert.deepEqual(world.violations, []);
});

test('defect 1: two planners at once over a changing listing, with interleaved batches of more than 500 splits, share one plan', async () => {
  const world = quietWorld();
  world.files.files.set('in/f0.txt', Buffer.from('abcdefg\n'.repeat(600)));
  // The first planner stalls between its two insert batches; meanwhile a file lands and a
  // duplicate delivery of the job message plans the stage again.
  let batches = 0;
  world.gate.script = (p, op) =>
    p.name.startsWith('jobs') && op === 'state.insertTasks' && ++batches === 2 ? 'slow' : undefined;
  world.sched.at(500, () => {
    world.files.files.set('in/f1.txt', Buffer.from('hijklmn\n'.repeat(600)));
  });
  const message = { job: 'sim-lines', runId: 'big', shards: 600, partitions: 1, inputs: ['in/*.txt'] };
  world.deliverJob({ id: 'j1', data: message, attributes: {} }, 0);
  world.deliverJob({ id: 'j1', data: message, attributes: {} }, 1_000);
  await world.run();
  const run = world.state.runs.get('big');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  assert.ok(run.stages[0]!.mapTasks! > 500, `${run.stages[0]!.mapTasks} map tasks`);
  const files = ndjsonRecords(world, run, 'files') as { file: string; lines: number }[];
  const byFile = JSON.stringify(Object.fromEntries(files.map((f) => [f.file, f.lines])));
  assert.ok(
    byFile === JSON.stringify({ 'in/f0.txt': 600 }) ||
      byFile === JSON.stringify({ 'in/f0.txt': 600, 'in/f1.txt': 600 }),
    byFile,
  );
  assert.deepEqual(world.violations, []);
});
