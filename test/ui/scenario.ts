// Real local runs for the status pages' tests and screenshots, made with the `cloudreduce` binary:
// a two-stage run, a run whose map fails on every attempt, and two runs killed mid-map (one to
// resume from the page, one to abort from it). Also a generated state of 10,000 tasks.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import type { AttemptEntry } from '../../src/core/attempt-history.ts';
import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import { taskId } from '../../src/core/records.ts';
import { FIXTURE_JOBS, runCli, startCli } from '../cli/run-cli.ts';

export const RUNS = {
  multi: 'two-stages',
  failed: 'with-failure',
  resumable: 'interrupted',
  abortable: 'to-abort',
  big: 'ten-thousand-tasks',
} as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function buildScenario(dir: string): Promise<string> {
  await mkdir(join(dir, 'texts'), { recursive: true });
  const words = 'map reduce shuffle key value split stage task attempt lease commit barrier'.split(' ');
  for (let f = 0; f < 3; f++) {
    const lines = Array.from({ length: 40 }, (_, i) =>
      words.filter((_, w) => (w + i + f) % (f + 2) === 0).join(' '),
    );
    await writeFile(join(dir, 'texts', `doc-${f}.txt`), `${lines.join('\n')}\n`);
  }
  await writeFile(join(dir, 'boom.txt'), 'alpha\nbeta\nboom here\ngamma\n');

  const multi = await runCli(
    ['run', 'reverse-index-spread', '--input', 'texts/*.txt', '--run-id', RUNS.multi, '--shards', '3'],
    dir,
  );
  assert.equal(multi.code, 0, multi.stderr + multi.stdout);
  const failed = await runCli(
    ['run', 'broken-map', '--jobs', FIXTURE_JOBS, '--input', 'boom.txt', '--run-id', RUNS.failed],
    dir,
  );
  assert.notEqual(failed.code, 0, 'broken-map fails');
  await killMidMap(dir, RUNS.resumable);
  await killMidMap(dir, RUNS.abortable);
  return join(dir, '.cloudreduce');
}

/** Starts slow-count and SIGKILLs it once two map tasks committed: a RUNNING run nobody runs. */
async function killMidMap(dir: string, runId: string): Promise<void> {
  const args = [
    'run',
    'slow-count',
    '--jobs',
    FIXTURE_JOBS,
    '--param',
    'count=4000',
    '--param',
    'delayMs=100',
  ];
  const child = startCli([...args, '--workers', '1', '--run-id', runId], dir);
  const exited = new Promise((r) => child.on('exit', r));
  const dbPath = join(dir, '.cloudreduce', 'state.db');
  for (let i = 0; i < 400 && !existsSync(dbPath); i++) await sleep(50);
  const state = new SqliteStateStore(dbPath);
  try {
    for (let i = 0; i < 1200; i++) {
      await sleep(50);
      const run = await state.getRun(runId).catch(() => undefined);
      if (!run) continue;
      assert.equal(run.status, 'RUNNING', `${runId} finished before it could be killed`);
      if ((await state.countTasks(runId, { phase: 'map', state: 'DONE' })) >= 2) break;
    }
    child.kill('SIGKILL');
    await exited;
  } finally {
    await state.close();
  }
}

/** A RUNNING run of 10,000 map tasks with attempt histories, written straight into the state. */
export async function writeBigRun(dataDir: string, tasks = 10_000): Promise<void> {
  const state = new SqliteStateStore(join(dataDir, 'state.db'));
  try {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const iso = (ms: number) => new Date(ms).toISOString();
    const run: RunRecord = {
      runId: RUNS.big,
      job: 'wordcount',
      params: {},
      options: { partitions: 8, memoryBudgetBytes: 64 << 20, maxAttempts: 3 },
      status: 'RUNNING',
      stage: 0,
      phase: 'map',
      stages: [{ name: 'wordcount', mapTasks: tasks }],
      createdAt: iso(t0),
      updatedAt: iso(t0 + 60_000),
      origin: 'cli',
    };
    await state.insertRun(run);
    const records: TaskRecord[] = Array.from({ length: tasks }, (_, index) => {
      const start = t0 + (index % 100) * 500;
      const retried = index % 7 === 0;
      const attempts: AttemptEntry[] = retried
        ? [
            {
              attempt: 1,
              owner: 'w1',
              startedAt: start,
              endedAt: start + 2000,
              outcome: 'retry',
              error: 'flaky',
            },
            { attempt: 2, owner: 'w2', startedAt: start + 2500, endedAt: start + 5000, outcome: 'done' },
          ]
        : [{ attempt: 1, owner: 'w1', startedAt: start, endedAt: start + 3000, outcome: 'done' }];
      return {
        runId: RUNS.big,
        taskId: taskId(0, 'map', index),
        stage: 0,
        phase: 'map',
        index,
        state: 'DONE',
        attempt: attempts.length,
        attempts,
        description: `generated task ${index}`,
        counters: { 'map-records': 100 },
        createdAt: iso(t0),
        updatedAt: iso(start + 5000),
        startedAt: iso(start),
        finishedAt: iso(start + 5000),
      };
    });
    for (let i = 0; i < records.length; i += 500) await state.insertTasks(records.slice(i, i + 500));
  } finally {
    await state.close();
  }
}
