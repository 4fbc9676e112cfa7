// The dead-letter handler: a message the transport gave up on fails its RUNNING run with the reason,
// the task and the message, unless its work was done another way; a redelivered dead letter, or one
// for a run that already ended, changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { handleDeadLetter } from '../../src/core/dead-letter.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { memoryLogger } from '../../src/core/logger.ts';
import type { Phase, RunRecord, TaskRecord, TaskState } from '../../src/core/records.ts';

let dir: string;
let state: SqliteStateStore;
let env: EngineEnv;
let logs: ReturnType<typeof memoryLogger>['entries'];
const NOW = Date.parse('2026-12-02T10:00:00Z');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dead-letter-'));
  state = new SqliteStateStore(join(dir, 'state.db'));
  const logger = memoryLogger();
  logs = logger.entries;
  // The handler reads and writes run state only.
  env = { state, logger: logger.logger, now: () => NOW } as unknown as EngineEnv;
});
after(async () => {
  await state.close();
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
async function runWith(phase: Phase, stage: number, tasks: Record<string, TaskState> = {}): Promise<string> {
  const runId = `dl-run-${++runs}`;
  const iso = new Date(NOW).toISOString();
  const run: RunRecord = {
    runId,
    job: 'wordcount',
    params: {},
    options: { partitions: 1, memoryBudgetBytes: 1 << 20, maxAttempts: 3 },
    status: 'RUNNING',
    stage,
    phase,
    stages: [{ name: 'wordcount' }],
    createdAt: iso,
    updatedAt: iso,
  };
  assert.ok(await state.insertRun(run));
  const records: TaskRecord[] = Object.entries(tasks).map(([taskId, taskState], index) => ({
    runId,
    taskId,
    stage,
    phase: 'map',
    index,
    state: taskState,
    attempt: 1,
    createdAt: iso,
    updatedAt: iso,
  }));
  await state.insertTasks(records);
  return runId;
}

test('a dead task message fails its RUNNING run, naming the task, the message and the source; again: no change', async () => {
  const runId = await runWith('map', 0, { 's0-map-0': 'DONE', 's0-map-1': 'PENDING' });
  const letter = {
    messageId: '17',
    data: { runId, taskId: 's0-map-1' },
    source: 'subscription cloudreduce-map-push',
    deliveries: 5,
  };
  assert.equal(await handleDeadLetter(env, letter), 'failed-run');
  const run = await state.getRun(runId);
  assert.equal(run?.status, 'FAILED');
  assert.equal(run?.error?.taskId, 's0-map-1');
  assert.equal(run?.error?.name, 'DeadLetterError');
  assert.equal(
    run?.error?.message,
    'The transport gave up on the message of task s0-map-1 after 5 deliveries (subscription ' +
      'cloudreduce-map-push); it was dead-lettered as message 17 and its work was never done. Pub/Sub ' +
      'does not keep the error; the function logs of the failing deliveries have it. Fix the cause, ' +
      `then resume run ${runId} (cloudreduce resume) or run the job again.`,
  );
  const failedAt = run?.finishedAt;
  assert.equal(await handleDeadLetter(env, letter), 'run-ended');
  assert.equal((await state.getRun(runId))?.finishedAt, failedAt, 'the redelivery changed nothing');
});

test('the last error of a local dead letter is kept, with its position', async () => {
  const runId = await runWith('reduce', 0, { 's0-map-0': 'RUNNING' });
  const outcome = await handleDeadLetter(env, {
    messageId: 'm1',
    data: { runId, taskId: 's0-map-0' },
    source: 'topic map',
    lastError: { name: 'Error', message: 'disk on fire', position: 'a.txt:3', stack: 'Error: disk on fire' },
  });
  assert.equal(outcome, 'failed-run');
  const error = (await state.getRun(runId))?.error;
  assert.match(error?.message ?? '', /The last delivery failed with Error: disk on fire\./);
  assert.equal(error?.position, 'a.txt:3');
});

test('a dead letter whose work was done by another delivery leaves the run RUNNING', async () => {
  const done = await runWith('reduce', 0, { 's0-map-0': 'DONE' });
  assert.equal(
    await handleDeadLetter(env, { messageId: '1', data: { runId: done, taskId: 's0-map-0' } }),
    'work-done',
  );
  const finalized = await runWith('map', 1);
  assert.equal(
    await handleDeadLetter(env, { messageId: '2', data: { runId: finalized, stage: 0 } }),
    'work-done',
  );
  const planned = await runWith('map', 0);
  assert.equal(
    await handleDeadLetter(env, { messageId: '3', data: { runId: planned, job: 'wordcount' } }),
    'work-done',
  );
  for (const runId of [done, finalized, planned])
    assert.equal((await state.getRun(runId))?.status, 'RUNNING');
});

test('dead finalize and job messages of a run still at that step fail it', async () => {
  const finalizing = await runWith('finalize', 0);
  assert.equal(
    await handleDeadLetter(env, { messageId: '4', data: { runId: finalizing, stage: 0 } }),
    'failed-run',
  );
  assert.match((await state.getRun(finalizing))?.error?.message ?? '', /the finalize message of stage 0/);
  const planning = await runWith('split', 0);
  assert.equal(
    await handleDeadLetter(env, { messageId: '5', data: { runId: planning, job: 'wordcount' } }),
    'failed-run',
  );
  assert.match((await state.getRun(planning))?.error?.message ?? '', /the job message of wordcount/);
});

test('a dead letter without a known run is logged with its payload and fails nothing', async () => {
  assert.equal(await handleDeadLetter(env, { messageId: '6', data: { job: 'wordcount' } }), 'no-run');
  assert.equal(await handleDeadLetter(env, { messageId: '7', data: null }), 'no-run');
  assert.equal(
    await handleDeadLetter(env, { messageId: '8', data: { runId: 'never-was', taskId: 'x' } }),
    'no-run',
  );
  const errors = logs.filter((e) => e.severity === 'ERROR' && e.message.startsWith('dead letter 6 '));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /the job message of wordcount.*Its payload: \{"job":"wordcount"\}/);
});
