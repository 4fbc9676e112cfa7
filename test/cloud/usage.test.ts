// A run's recorded usage against what the services actually received: a small wordcount through
// the dev cloud (real functions, the Pub/Sub and Datastore emulators, the GCS and BigQuery
// fakes). Cloud Storage requests are counted by the GCS fake, load jobs by the BigQuery fake and
// Pub/Sub deliveries by the functions' own logs; the Datastore emulator counts nothing that can be
// read back, so its figures are checked by the unit tests of the decorator only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DatastoreStateStore } from '../../src/adapters/gcp/datastore-state-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import { runUsage } from '../../src/core/prices.ts';
import { addUsage } from '../../src/core/usage.ts';
import { writeZipfText } from '../../src/samples/zipf-text.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { jsonEntries, stateStoreOf, waitForRun } from './helpers.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const id = randomUUID().slice(0, 8);
const logs: string[] = [];
let cloud: DevCloud;
let state: DatastoreStateStore;
let dir: string;

before(async () => {
  const emulators = emulatorEnv();
  dir = await mkdtemp(join(tmpdir(), 'cloud-usage-'));
  cloud = await startDevCloud({
    projectId: emulators.projectId,
    emulators,
    prefix: `usage-${id}`,
    namespace: `usage-${id}`,
    sweepEveryMillis: 0, // the sweeper's requests belong to no run
    logLevel: 'DEBUG',
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  state = stateStoreOf(cloud);
  for (const [i, seed] of [1, 2].entries()) {
    const path = join(dir, `part-${i}.txt`);
    await writeZipfText(path, { bytes: 70_000, vocabularySize: 200, seed });
    cloud.gcs.putObject(cloud.config.incomingBucket!, `in/part-${i}.txt`, await readFile(path));
  }
});

after(async () => {
  await cloud?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The GCS JSON API's billing class of one request the fake served ("METHOD path?query"). */
function gcsClass(request: string): 'gcsClassA' | 'gcsClassB' | 'gcsFree' {
  const [method, target] = request.split(' ') as [string, string];
  const path = target.split('?')[0]!;
  if (method === 'DELETE') return 'gcsFree';
  if (method === 'POST' || method === 'PUT') return 'gcsClassA';
  if (/\/o$/.test(path)) return 'gcsClassA'; // objects.list
  return 'gcsClassB'; // objects.get: media or metadata
}

test('the usage recorded for a run equals the requests Cloud Storage, BigQuery and Pub/Sub received', async () => {
  const runId = `usage-${id}`;
  const gcsBefore = cloud.gcs.requests.length;
  const jobsBefore = cloud.bigquery.jobIds().length;
  const logsBefore = logs.length;
  await cloud.publishJob({
    job: 'wordcount',
    inputs: [`gs://${cloud.config.incomingBucket}/in/*.txt`],
    runId,
    shards: 2,
    partitions: 2,
  });
  const run = await waitForRun(state, runId, 60_000);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  // finalize records its usage after its last request (the deletes of tmp/): wait for it.
  let final = run;
  for (let i = 0; i < 200 && !final.usage?.finalize; i++) {
    await new Promise((r) => setTimeout(r, 50));
    final = (await state.getRun(runId))!;
  }
  const usage = addUsage(...Object.values(runUsage(final.usage, await state.listTasks(runId))));

  const received = { gcsClassA: 0, gcsClassB: 0, gcsFree: 0 };
  for (const request of cloud.gcs.requests.slice(gcsBefore)) received[gcsClass(request)]++;
  assert.deepEqual(
    { gcsClassA: usage.gcsClassA ?? 0, gcsClassB: usage.gcsClassB ?? 0, gcsFree: usage.gcsFree ?? 0 },
    received,
    `requests the GCS fake served:\n${cloud.gcs.requests.slice(gcsBefore).join('\n')}`,
  );

  const loads = cloud.bigquery
    .jobIds()
    .slice(jobsBefore)
    .filter((jobId) => cloud.bigquery.getJob(cloud.config.projectId, jobId)?.configuration !== undefined)
    .filter(
      (jobId) => 'load' in (cloud.bigquery.getJob(cloud.config.projectId, jobId)!.configuration as object),
    );
  assert.equal(usage.bigqueryLoads, loads.length);
  assert.equal(loads.length, 1);

  // Every message a function handled for this run: the job message, one per map and reduce task
  // (reduce tasks follow the shuffle's size, so this small run has one), and finalize.
  const tasks = await state.listTasks(runId);
  const handled = jsonEntries(logs.slice(logsBefore)).filter(
    (e) => typeof e.message === 'string' && / handled message /.test(e.message),
  );
  assert.equal(usage.pubsubDelivered, handled.length, 'deliveries: one per handled message');
  assert.equal(handled.length, 1 + tasks.length + 1);
  // What the engine published is what was delivered, less the job message the test published.
  assert.equal(usage.pubsubPublished, handled.length - 1);
});
