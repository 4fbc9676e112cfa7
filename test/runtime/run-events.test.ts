// The log entries alerting is built on (terraform/alerts.tf filters jsonPayload.event), written
// by the real engine on the local runtime: one `run-failed` per failed run, `run-rejected` for a
// job message that cannot run — including one that reuses another job's run id, which used to be
// dropped without a word — and the per-run log file `cloudreduce logs` reads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../src/core/logger.ts';
import { RUN_EVENTS } from '../../src/core/run-events.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';
import { LocalRuntime } from '../../src/runtime/local-runtime.ts';
import { readRunLog } from '../../src/runtime/run-log.ts';
import { runLiveness } from '../../src/runtime/run-owner.ts';

const FIXTURE_JOBS = new URL('../fixtures/jobs.ts', import.meta.url).href;
let dir: string;
let runtime: LocalRuntime;
let log: ReturnType<typeof memoryLogger>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-events-'));
  await writeFile(join(dir, 'lines.txt'), 'hello\nboom here\nok\n');
  log = memoryLogger();
  runtime = new LocalRuntime({
    dataDir: join(dir, 'data'),
    cwd: dir,
    jobs: await loadJobs([FIXTURE_JOBS]),
    userModules: [FIXTURE_JOBS],
    workers: 0,
    logger: log.logger,
  });
});
after(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

const events = (event: string) => log.entries.filter((e) => e.fields.event === event);

test('a failed run logs one run-failed entry with its run, job, failing task and error', async () => {
  const runId = await runtime.submit({ job: 'broken-map', runId: 'broken-1', inputs: ['lines.txt'] });
  const run = await runtime.wait(runId);
  assert.equal(run.status, 'FAILED');
  const failed = events(RUN_EVENTS.failed);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.severity, 'ERROR');
  assert.match(failed[0]!.message, /^run broken-1 of job broken-map FAILED: cannot map "boom here"/);
  assert.equal(failed[0]!.fields.runId, 'broken-1');
  assert.equal(failed[0]!.fields.job, 'broken-map');
  assert.equal(failed[0]!.fields.failedTask, 's0-map-00000');

  // The same entries went to the run's own log file, for `cloudreduce logs broken-1`.
  const entries = readRunLog(join(dir, 'data'), 'broken-1')!;
  assert.ok(entries.some((e) => e.event === RUN_EVENTS.failed && e.severity === 'ERROR'));
  assert.ok(entries.some((e) => /run broken-1 of job broken-map started/.test(e.message)));
  assert.ok(entries.every((e) => e.runId === 'broken-1'));
  assert.ok(
    readRunLog(join(dir, 'data'), 'broken-1', 's0-map-00000')!.every((e) => e.taskId === 's0-map-00000'),
  );
  assert.equal(readRunLog(join(dir, 'data'), 'no-such-run'), undefined);
});

test('a job message reusing another job’s run id is rejected visibly, and the first run is untouched', async () => {
  await runtime.submit({ job: 'slow-count', runId: 'shared-id', params: { count: 10, delayMs: 0 } });
  assert.equal((await runtime.wait('shared-id')).status, 'DONE');
  await runtime.bus.publish('jobs', [
    { data: { job: 'broken-map', runId: 'shared-id', inputs: ['lines.txt'] }, attributes: {} },
  ]);
  let rejected;
  for (let i = 0; i < 200 && !rejected; i++) {
    await new Promise((r) => setTimeout(r, 20));
    rejected = (await runtime.adapters.state.listRuns()).find((r) =>
      r.runId.startsWith('shared-id-rejected-'),
    );
  }
  assert.ok(rejected, 'the rejection is a run of its own, listed by status');
  assert.equal(rejected.status, 'REJECTED');
  assert.equal(rejected.job, 'broken-map');
  assert.match(
    rejected.error!.message,
    /^run id "shared-id" already belongs to a run of job slow-count \(DONE, created .*\); a job message for broken-map cannot reuse it\. Send it with another runId, or without one to get a new id\.$/,
  );
  const said = events(RUN_EVENTS.rejected).find((e) => e.fields.askedRunId === 'shared-id');
  assert.equal(said?.fields.runId, rejected.runId);
  assert.equal((await runtime.adapters.state.getRun('shared-id'))?.job, 'slow-count');
});

test('the runtime holds the runs it starts (status: still running); a run no process started is not held', async () => {
  const data = join(dir, 'data');
  assert.equal(runLiveness(data, 'broken-1').state, 'held');
  assert.equal(runLiveness(data, 'never-started').state, 'interrupted');
});
