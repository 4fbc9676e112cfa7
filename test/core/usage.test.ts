// The usage meter, the attempt history on the task record and the price table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endAttempt, MAX_ATTEMPT_ENTRIES, startAttempt } from '../../src/core/attempt-history.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { meteredEnv } from '../../src/core/metered-env.ts';
import { DEFAULT_PRICES, mergePrices, runCost } from '../../src/core/prices.ts';
import type { TaskRecord } from '../../src/core/records.ts';
import { claimTask, commitTask, failTask, releaseTask } from '../../src/core/task-state.ts';
import { UsageMeter, usageForWrite } from '../../src/core/usage.ts';
import type { EngineEnv } from '../../src/core/env.ts';

const task: TaskRecord = {
  runId: 'r',
  taskId: 's0-map-00000',
  stage: 0,
  phase: 'map',
  index: 0,
  state: 'PENDING',
  attempt: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const claim = (t: TaskRecord, now: number, owner = 'w1') => claimTask({ owner, now, leaseMillis: 1000 })(t)!;

test('the task mutators keep one attempt entry per claim, closed with how it ended', () => {
  let t = claim(task, 1000);
  t = failTask(1, { name: 'Error', message: 'flaky' }, false, 1500)(t)!;
  t = claim(t, 2000, 'w2');
  // The lease of attempt 2 expires; attempt 3 claims it and commits.
  t = claim(t, 4000, 'w3');
  t = commitTask(3, {}, { n: 1 }, 4500, { gcsClassA: 2 })(t)!;
  assert.deepEqual(t.attempts, [
    { attempt: 1, owner: 'w1', startedAt: 1000, endedAt: 1500, outcome: 'retry', error: 'flaky' },
    { attempt: 2, owner: 'w2', startedAt: 2000, endedAt: 4000, outcome: 'expired' },
    { attempt: 3, owner: 'w3', startedAt: 4000, endedAt: 4500, outcome: 'done' },
  ]);
  assert.deepEqual(t.usage, { gcsClassA: 2 });
});

test('resume releases a running attempt; a final failure is marked failed', () => {
  let t = claim(task, 1000);
  t = releaseTask(1200)(t)!;
  t = claim(t, 1300);
  t = failTask(2, { name: 'ConfigError', message: 'bad' }, true, 1400, { datastoreReads: 3 })(t)!;
  assert.deepEqual(
    t.attempts?.map((e) => e.outcome),
    ['released', 'failed'],
  );
  assert.deepEqual(t.usage, { datastoreReads: 3 });
});

test(`the attempt history keeps the newest ${MAX_ATTEMPT_ENTRIES} entries and counts the dropped ones`, () => {
  let t: TaskRecord = task;
  for (let a = 1; a <= MAX_ATTEMPT_ENTRIES + 5; a++) {
    t = { ...t, attempt: a, ...startAttempt(t, a, 'w', a * 10) };
    t = { ...t, ...endAttempt(t, a, 'retry', a * 10 + 5, 'x'.repeat(1000)) };
  }
  assert.equal(t.attempts?.length, MAX_ATTEMPT_ENTRIES);
  assert.equal(t.attempts?.[0]?.attempt, 6);
  assert.equal(t.attemptsDropped, 5);
  assert.equal(t.attempts?.[0]?.error?.length, 200, 'errors are cut');
  assert.ok(JSON.stringify(t).length < 40_000, 'far below an entity of 1 MiB');
});

test('the metered ports count billed operations the way the GCP adapters make requests', async () => {
  const calls: string[] = [];
  const noop = (name: string) => () => {
    calls.push(name);
    return Promise.resolve(undefined as never);
  };
  const listed = async function* () {
    for (let i = 0; i < 2500; i++) yield { name: `o${i}`, size: 1 };
  };
  const env = {
    blobs: {
      location: 'x',
      put: noop('put'),
      get: noop('get'),
      stat: noop('stat'),
      delete: noop('delete'),
      list: listed,
    },
    bus: { publish: noop('publish') },
    state: { getRun: noop('getRun'), updateTask: () => Promise.resolve({ record: task, changed: true }) },
    entities: {},
    warehouse: { load: noop('load') },
    files: {},
    now: () => 0,
  } as unknown as EngineEnv;
  const meter = new UsageMeter(() => 0);
  const m = meteredEnv(env, meter);
  await m.blobs.put('a', 'x');
  await m.blobs.get('a');
  await m.blobs.delete('a');
  for await (const _ of m.blobs.list('')) void _;
  await m.bus.publish(
    'map',
    Array.from({ length: 1001 }, () => ({ data: { runId: 'r' } })),
  );
  await m.state.getRun('r');
  await m.state.updateTask('r', 't', () => undefined);
  await m.warehouse.load({} as never);
  assert.deepEqual(meter.snapshot(), {
    gcsClassA: 1 + 3, // the put, three list pages of 1000
    gcsClassB: 1,
    gcsFree: 1,
    pubsubPublished: 1001,
    // Two publish requests: 1000 messages of 13 bytes ({"runId":"r"}), then one billed at 1000.
    pubsubBytes: 1000 * 13 + 1000,
    datastoreReads: 2,
    datastoreWrites: 1,
    bigqueryLoads: 1,
  });
  assert.deepEqual(usageForWrite(meter)?.datastoreWrites, 2, 'a write records its own transaction');
});

test('the cost of a run: function time at each function size, requests at the table prices', () => {
  const cost = runCost(
    {
      map: { millis: 10_000, gcsClassA: 1000, gcsClassB: 1000, pubsubDelivered: 1, pubsubBytes: 1000 },
      finalize: { millis: 2000, datastoreReads: 100_000, datastoreWrites: 100_000, bigqueryLoads: 1 },
    },
    DEFAULT_PRICES,
  );
  const map = 10 * (0.583 * 0.000024 + 1 * 0.0000025);
  const finalize = 2 * (0.333 * 0.000024 + 0.5 * 0.0000025);
  const expected = map + finalize + 0.4 / 1e6 + (1000 / 1024 ** 4) * 40 + 0.005 + 0.0004 + 0.06 + 0.18;
  assert.ok(Math.abs(cost.total - expected) < 1e-12, `${cost.total} vs ${expected}`);
});

test('a price table override changes only what it names and refuses unknown entries', () => {
  const prices = mergePrices({ gcsClassAPer1000: 1, sizes: { map: { memoryGiB: 2, vcpu: 1 } } }, 'p.json');
  assert.equal(prices.gcsClassAPer1000, 1);
  assert.equal(prices.gcsClassBPer1000, DEFAULT_PRICES.gcsClassBPer1000);
  assert.deepEqual(prices.sizes.map, { memoryGiB: 2, vcpu: 1 });
  assert.deepEqual(prices.sizes.reduce, DEFAULT_PRICES.sizes.reduce);
  assert.throws(
    () => mergePrices({ gcsClassC: 1 }, 'p.json'),
    (err: unknown) =>
      err instanceof ConfigError && /p\.json: "gcsClassC" is not a price.*Known: /.test(err.message),
  );
  assert.throws(
    () => mergePrices({ sizes: { sweeper: { memoryGiB: 1, vcpu: 1 } } }, 'p.json'),
    /sizes\.sweeper/,
  );
});
