// Finalize under faults: a stage with hundreds of output parts must get through its finalize even
// when port calls keep failing, because each delivery resumes where the last one stopped (the
// checkpoint in the stage's state) instead of starting over. Before the checkpoint, every
// redelivery re-checked every part from the first, so past a few dozen parts a delivery almost
// never reached the end, and the run stayed RUNNING in finalize until the simulator gave up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROFILES } from './faults.ts';
import { faultAt, ndjsonRecords, send } from './harness.ts';
import { ALL_JOBS, simParts } from './sim-jobs.ts';
import { World } from './world.ts';

const calls = PROFILES.find((p) => p.name === 'calls')!;
const integers = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));

function faultyWorld(seed: number): World {
  return new World(
    {
      seed,
      profile: calls,
      leaseMillis: 30_000,
      sweepEveryMillis: 60_000,
      maxTicks: 240,
      concurrentSweeper: 0.3,
    },
    ALL_JOBS,
  );
}

for (const seed of [11, 12, 13]) {
  test(`a finalize of 400 parts under a 6 % fault rate per call ends DONE with exact output (seed ${seed})`, async () => {
    const world = faultyWorld(seed);
    // One map task per record: 400 committed parts for finalize to publish.
    send(world, { job: simParts.name, runId: 'many', shards: 400, maxAttempts: 20 });
    await world.run();
    const run = world.state.runs.get('many');
    assert.deepEqual(world.violations, []);
    assert.equal(run?.status, 'DONE', `${run?.status} in ${run?.phase}: ${run?.error?.message}`);
    assert.equal(run.stages[0]!.outputs!.rows!.files!.length, 400);
    assert.equal(run.stages[0]!.outputs!.evens!.files!.length, 200); // odd tasks write no evens part
    assert.deepEqual(ndjsonRecords(world, run, 'rows'), integers(400));
    assert.deepEqual(
      ndjsonRecords(world, run, 'evens'),
      integers(400).filter((r) => r.n % 2 === 0),
    );
    // The checkpoint is gone once the stage is finalized: a DONE run keeps only what it wrote.
    assert.equal(run.stages[0]!.finalize, undefined);
  });
}

test('a finalize that dies after a copy whose checkpoint was not written recognises the copy', async () => {
  const world = new World(
    {
      seed: 5,
      profile: PROFILES[0]!,
      leaseMillis: 30_000,
      sweepEveryMillis: 60_000,
      maxTicks: 60,
      concurrentSweeper: 0,
    },
    ALL_JOBS,
  );
  // The 10th result file the first finalize copies is written, then its process dies.
  const crash = faultAt(
    world,
    'crash-after',
    (p, op, label) => p.name.startsWith('finalize') && op === 'blobs.put' && label.startsWith('results/'),
    10,
  );
  const copies: string[] = [];
  const scripted = world.gate.script;
  world.gate.script = (p, op, label) => {
    if (op === 'blobs.put' && label.startsWith('results/sim-parts/resumed/rows/')) copies.push(label);
    return scripted?.(p, op, label);
  };
  let largestCheckpoint = 0;
  const onWrite = world.state.onWrite;
  world.state.onWrite = (w) => {
    if (w.kind === 'run')
      for (const stage of w.after.stages)
        if (stage.finalize)
          largestCheckpoint = Math.max(largestCheckpoint, JSON.stringify(stage.finalize).length);
    onWrite(w);
  };
  send(world, { job: simParts.name, runId: 'resumed', shards: 40 });
  await world.run();
  assert.ok(crash.fired());
  const run = world.state.runs.get('resumed');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  // The copy that happened before the crash is found, not made again; none is made twice.
  assert.equal(copies.length, 40, copies.join(', '));
  assert.equal(new Set(copies).size, 40);
  assert.deepEqual(ndjsonRecords(world, run, 'rows'), integers(400));
  // The checkpoint is a count per output, whatever the number of parts.
  assert.ok(largestCheckpoint > 0 && largestCheckpoint < 100, `checkpoint of ${largestCheckpoint} bytes`);
  assert.deepEqual(world.violations, []);
});

test('a finalize that dies once its first output is recorded finished does not publish that output again', async () => {
  const world = new World(
    {
      seed: 4,
      profile: PROFILES[0]!,
      leaseMillis: 30_000,
      sweepEveryMillis: 60_000,
      maxTicks: 60,
      concurrentSweeper: 0,
    },
    ALL_JOBS,
  );
  const seen: string[] = [];
  // The first finalize records 'rows' finished (its first run write: 10 parts, a checkpoint
  // every 8, then the summary), then dies before it writes anything of 'evens'.
  let runWrites = 0;
  world.gate.script = (p, op, label) => {
    if (!p.name.startsWith('finalize')) return undefined;
    seen.push(`${op} ${label}`);
    if (op === 'state.updateRun' && ++runWrites === 2) return 'crash-after';
    return undefined;
  };
  send(world, { job: simParts.name, runId: 'two', shards: 10 });
  await world.run();
  const run = world.state.runs.get('two');
  assert.equal(run?.status, 'DONE', JSON.stringify(run?.error));
  const rowsCopies = seen.filter((c) => c.startsWith('blobs.put results/sim-parts/two/rows/'));
  assert.equal(rowsCopies.length, 10, rowsCopies.join('\n'));
  // The redelivery started at 'evens': it did not even look at 'rows' (the one look is the first
  // delivery's, which found part 0 missing and then copied without looking).
  assert.equal(seen.filter((c) => c.startsWith('blobs.stat results/sim-parts/two/rows/')).length, 1);
  assert.deepEqual(ndjsonRecords(world, run, 'rows'), integers(400));
  assert.deepEqual(
    ndjsonRecords(world, run, 'evens'),
    integers(400).filter((r) => r.n % 2 === 0),
  );
  assert.deepEqual(world.violations, []);
});

for (const [what, fault, op] of [
  [
    'its DONE write applied but answered "unchanged" (a client retry)',
    'ambiguous-retried',
    'state.updateRun',
  ],
  ['it died deleting them after the run went DONE', 'crash-before', 'blobs.deletePrefix'],
] as const) {
  test(`a DONE run's intermediates are deleted even when ${what}`, async () => {
    const world = new World(
      {
        seed: 3,
        profile: PROFILES[0]!,
        leaseMillis: 30_000,
        sweepEveryMillis: 60_000,
        maxTicks: 60,
        concurrentSweeper: 0,
      },
      ALL_JOBS,
    );
    // sim-squares has one table output: finalize's first run write is the one that makes it DONE.
    const fired = faultAt(world, fault, (p, o) => p.name.startsWith('finalize') && o === op);
    send(world, { job: 'sim-squares', runId: 'clean', shards: 3 });
    await world.run();
    assert.ok(fired.fired());
    assert.equal(world.state.runs.get('clean')?.status, 'DONE');
    assert.deepEqual(
      [...world.blobs.objects.keys()].filter((n) => n.startsWith('tmp/clean/')),
      [],
    );
    assert.deepEqual(world.violations, []);
  });
}
