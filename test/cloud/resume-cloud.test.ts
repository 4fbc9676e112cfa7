// `cloudreduce resume RUN_ID --dev` and `--project`: a cloud run that FAILED (its cause: a file the
// map function finds, standing in for a quota or a bug) is reopened by the CLI once the cause is
// gone; the dev cloud's sweeper re-publishes its failed task at its next tick and the run ends DONE
// with exactly the table of a run that never failed, the tasks committed before the failure kept.
// `--project` is the same code with the Datastore client of a real project; here that client is
// pointed at the emulator by DATASTORE_EMULATOR_HOST, as the official client does for any project.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatastoreStateStore } from '../../src/adapters/gcp/datastore-state-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import { writeDevState } from '../../src/cloud/dev-state.ts';
import { FIXTURE_JOBS, runCli } from '../cli/run-cli.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { queryRows, stateStoreOf, waitForRun } from './helpers.ts';

const id = randomUUID().slice(0, 8);
const logs: string[] = [];
let cloud: DevCloud;
let state: DatastoreStateStore;
let dir: string;
let blocker: string;
const dataDir = 'state';

const logTail = () => `last function output:\n${logs.slice(-30).join('\n')}`;

before(async () => {
  const emulators = emulatorEnv();
  dir = await mkdtemp(join(tmpdir(), 'resume-cloud-'));
  blocker = join(dir, 'cause');
  cloud = await startDevCloud({
    projectId: emulators.projectId,
    emulators,
    prefix: `rc-${id}`,
    namespace: `rc-${id}`,
    jobModules: [FIXTURE_JOBS],
    leaseSeconds: 4,
    sweepEveryMillis: 1000,
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  state = stateStoreOf(cloud);
  // What `cloudreduce dev` records for the CLI (src/cli/commands/dev.ts): this process runs it.
  writeDevState(join(dir, dataDir), {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    env: cloud.env,
    functions: Object.fromEntries(Object.entries(cloud.functions).map(([name, f]) => [name, f.url])),
    gcsEndpoint: cloud.gcs.endpoint,
    bigqueryEndpoint: cloud.bigquery.endpoint,
  });
});

after(async () => {
  await cloud?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs blocked-count with its cause present until it FAILED; returns the tasks committed by then. */
async function failedRun(runId: string): Promise<Map<string, string | undefined>> {
  await writeFile(blocker, '');
  await cloud.publishJob({
    job: 'blocked-count',
    params: { blocker },
    runId,
    maxAttempts: 1,
    partitions: 2,
  });
  const run = await waitForRun(state, runId, 30_000, logTail);
  assert.equal(run.status, 'FAILED', JSON.stringify(run));
  assert.match(run.error?.message ?? '', /^blocked by /);
  assert.equal(run.error?.taskId, 's0-map-00000');
  const done = await state.listTasks(runId, { state: 'DONE' });
  assert.ok(done.length > 0, 'some map tasks committed before the failure');
  return new Map(done.map((t) => [t.taskId, t.finishedAt]));
}

/** After the CLI reopened it: the sweeper re-publishes, the run ends DONE, committed work kept. */
async function finishesExactly(runId: string, committed: Map<string, string | undefined>): Promise<void> {
  const run = await waitForRun(state, runId, 30_000, logTail);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.equal(run.resumes, 1);
  const rows = await queryRows(cloud, 'SELECT bucket, n FROM blocked_counts ORDER BY bucket');
  // 0..39 by i % 3: 14, 13 and 13.
  assert.deepEqual(
    rows.map((r) => [Number(r.bucket), Number(r.n)]),
    [
      [0, 14],
      [1, 13],
      [2, 13],
    ],
  );
  for (const [taskId, finishedAt] of committed) {
    const task = await state.getTask(runId, taskId);
    assert.equal(task?.attempt, 1, `${taskId} was not run again`);
    assert.equal(task?.finishedAt, finishedAt, `${taskId} was not run again`);
  }
  const failedTask = await state.getTask(runId, 's0-map-00000');
  assert.equal(failedTask?.state, 'DONE');
}

test('resume --dev reopens a FAILED cloud run; the sweeper re-publishes it and it ends DONE, exact', async () => {
  const runId = `dev-${id}`;
  const committed = await failedRun(runId);
  await rm(blocker);
  const resumed = await runCli(['resume', runId, '--dev', '--data-dir', dataDir], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(
    resumed.stdout.trim(),
    `Run ${runId} resumed in the dev cloud: its failed tasks start over and the sweeper re-publishes ` +
      `them at its next tick.\nFollow it with: cloudreduce status ${runId} --dev`,
  );
  await finishesExactly(runId, committed);
  const again = await runCli(['resume', runId, '--dev', '--data-dir', dataDir], dir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, new RegExp(`Run ${runId} is DONE; only a RUNNING or FAILED run can be resumed`));
});

test('resume --project reopens a FAILED run in the project Datastore the functions write', async () => {
  const runId = `proj-${id}`;
  const committed = await failedRun(runId);
  await rm(blocker);
  const project = cloud.config.projectId;
  const resumed = await runCli(['resume', runId, '--project', project, '--namespace', `rc-${id}`], dir, {
    DATASTORE_EMULATOR_HOST: emulatorEnv().datastoreHost,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`^Run ${runId} resumed in project ${project}: its failed tasks`));
  assert.match(
    resumed.stdout,
    new RegExp(`Follow it with: cloudreduce status ${runId} --project ${project}$`, 'm'),
  );
  await finishesExactly(runId, committed);
});
