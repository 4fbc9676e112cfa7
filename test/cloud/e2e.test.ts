// The cloud path end to end: the official emulators (started by the test runner), the GCS and
// BigQuery fakes, the five functions as real functions-framework processes and one Pub/Sub push
// subscription per function. A job message goes in; the BigQuery table that comes out must equal
// the local runtime's result on the same input — also with every message delivered twice, and
// with the map worker killed in the middle of a task.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatastoreStateStore } from '../../src/adapters/gcp/datastore-state-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import { writeZipfText } from '../../src/samples/zipf-text.ts';
import { runJob } from '../../src/testing.ts';
import { wordcount } from '../../jobs/wordcount.ts';
import type { ReduceSplit } from '../../src/core/shuffle-index.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import {
  jsonEntries,
  readWordCounts,
  sortRows,
  stateStoreOf,
  waitForRun,
  type WordCountRow,
} from './helpers.ts';

const SLOW_JOBS = fileURLToPath(new URL('./fixtures/slow-jobs.ts', import.meta.url));
const id = randomUUID().slice(0, 8);
const logs: string[] = [];
let cloud: DevCloud;
let state: DatastoreStateStore;
let dir: string;
let expected: WordCountRow[];

const logTail = () => `last function output:\n${logs.slice(-30).join('\n')}`;

before(async () => {
  const emulators = emulatorEnv();
  dir = await mkdtemp(join(tmpdir(), 'cloud-e2e-'));
  // 4 × 70 KB: enough for 4 map tasks (a split is at least 64 KiB).
  for (const [i, seed] of [11, 12, 13, 14].entries())
    await writeZipfText(join(dir, `part-${i}.txt`), { bytes: 70_000, vocabularySize: 300, seed });
  const local = await runJob(wordcount, { cwd: dir, inputs: ['*.txt'], shards: 2 });
  assert.equal(local.run.status, 'DONE');
  expected = sortRows(local.outputs.wordcount as { word: string; count: number }[]);

  cloud = await startDevCloud({
    projectId: emulators.projectId,
    emulators,
    prefix: `e2e-${id}`,
    namespace: `e2e-${id}`,
    jobModules: [SLOW_JOBS],
    leaseSeconds: 4,
    sweepEveryMillis: 1000,
    maxDeliveryAttempts: 5,
    logLevel: 'DEBUG',
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  state = stateStoreOf(cloud);
  for (const name of await readdir(dir)) {
    cloud.gcs.putObject(cloud.config.incomingBucket!, `in/${name}`, await readFile(join(dir, name)));
  }
});

after(async () => {
  await cloud?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Message ids each function was handed (from its debug log "NAME handled message ID: …"). */
function handled(fn: string): string[] {
  return jsonEntries(logs)
    .filter((e) => typeof e.message === 'string' && e.message.startsWith(`${fn} handled message `))
    .map((e) => (e['logging.googleapis.com/labels'] as Record<string, string>).messageId!);
}

const input = () => `gs://${cloud.config.incomingBucket}/in/*.txt`;

test('a wordcount job message runs through the functions and loads the same table as the local run', async () => {
  const runId = `wc-${id}-plain`;
  await cloud.publishJob({ job: 'wordcount', inputs: [input()], runId, shards: 4, partitions: 3 });
  const run = await waitForRun(state, runId, 60_000, logTail);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.deepEqual(await readWordCounts(cloud, 'wordcount'), expected);

  const tasks = await state.listTasks(runId);
  assert.equal(tasks.filter((t) => t.phase === 'map').length, 4);
  // Reduce tasks follow the shuffle's size (about 1 GiB each), not R: this small run's three
  // partitions are one task's contiguous range.
  const ranges = tasks
    .filter((t) => t.phase === 'reduce')
    .map((t) => [(t.split as ReduceSplit).first, (t.split as ReduceSplit).end]);
  assert.deepEqual(ranges, [[0, 3]]);
  // Intermediates are deleted right after the run is marked DONE (deleting first would leave a
  // redelivered finalize without its inputs), so give the cleanup a moment.
  const leftovers = () =>
    [...cloud.gcs.store.bucket(cloud.config.workBucket).keys()].filter((k) => k.startsWith(`tmp/${runId}/`));
  for (let i = 0; i < 100 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(leftovers(), []);
});

test('every message delivered twice (a second push subscription per topic) gives the identical table', async () => {
  const extra = [];
  for (const trigger of ['jobs', 'map', 'reduce', 'finalize'] as const)
    extra.push(await cloud.duplicateDeliveries(trigger));
  try {
    const runId = `wc-${id}-dup`;
    const mapBefore = handled('map').length;
    await cloud.publishJob({ job: 'wordcount', inputs: [input()], runId, shards: 4, partitions: 3 });
    const run = await waitForRun(state, runId, 60_000, logTail);
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    assert.deepEqual(await readWordCounts(cloud, 'wordcount'), expected);
    const mapDeliveries = handled('map').slice(mapBefore);
    assert.ok(
      mapDeliveries.length >= 8,
      `4 map messages delivered at least twice each: ${mapDeliveries.length}`,
    );
  } finally {
    for (const name of extra) await cloud.removeSubscription(name);
  }
});

// Before the kill test: in our runs the Pub/Sub emulator stopped dead-lettering a subscription's
// messages once its push endpoint had been unreachable (docs/cloud.md).
test('a message the transport gives up on fails its run, naming the task and the message', async () => {
  // maxAttempts far above the subscriptions' 5 deliveries: the engine never gives up by itself.
  const runId = `tr-${id}-dead`;
  const one = `gs://${cloud.config.incomingBucket}/in/part-0.txt`;
  await cloud.publishJob({ job: 'always-transient', inputs: [one], runId, shards: 1, maxAttempts: 100 });
  const deadLetterLogs = () =>
    `deadLetter function output:\n${logs
      .filter((l) => l.startsWith('deadLetter '))
      .slice(-20)
      .join('\n')}\n`;
  const run = await waitForRun(state, runId, 120_000, () => deadLetterLogs() + logTail());
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error?.name, 'DeadLetterError');
  assert.equal(run.error?.taskId, 's0-map-00000');
  assert.match(
    run.error?.message ?? '',
    new RegExp(
      `^The transport gave up on the message of task s0-map-00000 after 5 deliveries \\(subscription ` +
        `e2e-${id}-map-push, first published [^)]+\\); it was dead-lettered as message \\d+ and its work was never done\\.`,
    ),
  );
});

test('the map function killed -9 mid-task comes back by itself: the lease expires, the sweeper re-publishes, same table', async () => {
  const runId = `wc-${id}-kill`;
  await cloud.publishJob({
    job: 'slow-wordcount',
    params: { delayMs: 200 },
    inputs: [input()],
    runId,
    shards: 4,
    partitions: 3,
  });
  const deadline = Date.now() + 30_000;
  while (!(await state.listTasks(runId, { phase: 'map' })).some((t) => t.state === 'RUNNING')) {
    if (Date.now() > deadline) throw new Error(`no map task started\n${logTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const restarts = cloud.functions.map.restarts;
  cloud.functions.map.kill(); // SIGKILL to its process group; nobody starts it again but the dev cloud

  const run = await waitForRun(state, runId, 90_000, logTail);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.deepEqual(await readWordCounts(cloud, 'slow_wordcount'), expected);
  const retaken = (await state.listTasks(runId, { phase: 'map' })).filter((t) => t.attempt > 1);
  assert.ok(retaken.length > 0, 'a killed task was claimed again by a second attempt');
  assert.equal(cloud.functions.map.restarts, restarts + 1);
  assert.ok(
    logs.some((l) =>
      /^map \[dev cloud\] function map was killed by SIGKILL; starting a new instance/.test(l),
    ),
    'the dev cloud says it started a new instance',
  );
});

test('malformed job messages are acked once and recorded as REJECTED runs; none loops', async () => {
  const cases = [
    { message: 'this is not JSON', job: 'unknown', reason: /Job message is not JSON/ },
    {
      message: JSON.stringify({ job: 'no-such-job' }),
      job: 'no-such-job',
      reason: /Unknown job "no-such-job"/,
    },
    {
      message: JSON.stringify({ job: 'slow-wordcount', params: { delayMs: 'slow' }, inputs: [input()] }),
      job: 'slow-wordcount',
      reason: /delayMs/,
    },
    {
      message: JSON.stringify({ job: 'wordcount', shards: 'many' }),
      job: 'wordcount',
      reason: /"shards" must be a positive integer/,
    },
  ];
  const ids = await Promise.all(cases.map((c) => cloud.publishJob(c.message)));
  for (const [i, c] of cases.entries()) {
    const runId = `rejected-${c.job}-m${ids[i]}`;
    const run = await waitForRun(state, runId, 30_000, logTail);
    assert.equal(run.status, 'REJECTED');
    assert.match(run.error!.message, c.reason);
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const deliveries = handled('split');
  for (const messageId of ids)
    assert.equal(deliveries.filter((d) => d === messageId).length, 1, `message ${messageId} handled once`);
});
