// A run killed mid-job (a real SIGKILL of the CLI process) and resumed gives the same output as an
// uninterrupted run, and work committed before the kill is not done again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import type { RunRecord } from '../../src/core/records.ts';
import { FIXTURE_JOBS, runCli, startCli } from './run-cli.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function table(dir: string): Promise<unknown> {
  const q = await runCli(['query', 'SELECT bucket, total FROM slow_counts ORDER BY bucket', '--json'], dir);
  assert.equal(q.code, 0, q.stderr);
  return JSON.parse(q.stdout);
}

test('a run killed with SIGKILL mid-map and resumed equals an uninterrupted run', async () => {
  const reference = await mkdtemp(join(tmpdir(), 'resume-ref-'));
  const killed = await mkdtemp(join(tmpdir(), 'resume-kill-'));
  try {
    const args = ['run', 'slow-count', '--jobs', FIXTURE_JOBS, '--param', 'count=4000', '--workers', '1'];
    const ref = await runCli([...args, '--param', 'delayMs=0'], reference);
    assert.equal(ref.code, 0, ref.stderr + ref.stdout);
    const expected = await table(reference);

    const child = startCli([...args, '--param', 'delayMs=100', '--run-id', 'killed-run'], killed);
    const exited = new Promise((r) => child.on('exit', r));
    const dbPath = join(killed, '.cloudreduce', 'state.db');
    for (let i = 0; i < 200 && !existsSync(dbPath); i++) await sleep(50);
    const state = new SqliteStateStore(dbPath);
    let doneBeforeKill: { taskId: string; finishedAt?: string; attempt: number }[] = [];
    try {
      for (let i = 0; i < 600; i++) {
        await sleep(50);
        const run = await state.getRun('killed-run').catch(() => undefined);
        if (!run) continue;
        assert.equal(run.status, 'RUNNING', 'the run finished before it could be killed; slow it down');
        doneBeforeKill = await state.listTasks('killed-run', { phase: 'map', state: 'DONE' });
        if (doneBeforeKill.length >= 2) break;
      }
      assert.ok(doneBeforeKill.length >= 2, 'some map tasks committed before the kill');
      const running = await runCli(['status', 'killed-run'], killed);
      assert.match(running.stdout, /^RUNNING slow-count run killed-run \(still running in process \d+\)$/m);
      child.kill('SIGKILL');
      await exited;
      // Nothing runs it any more: status says so, and how to continue it, instead of "still running".
      const detail = await runCli(['status', 'killed-run'], killed);
      assert.match(
        detail.stdout,
        /^RUNNING slow-count run killed-run \(interrupted: no process holds it; resume with cloudreduce resume killed-run\)$/m,
      );
      const list = await runCli(['status'], killed);
      assert.match(list.stdout, /^killed-run\s+slow-count\s+RUNNING\s+main map \(interrupted\)/m);
      const after = await state.getRun('killed-run');
      assert.equal(after?.status, 'RUNNING', 'a killed run stays RUNNING, resumable');
      const done = await state.countTasks('killed-run', { phase: 'map', state: 'DONE' });
      assert.ok(done < 8, `the kill came mid-map (${done} of 8 map tasks done)`);
    } finally {
      await state.close();
    }

    const resumed = await runCli(['resume', 'killed-run', '--jobs', FIXTURE_JOBS], killed);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /^DONE slow-count run killed-run/m);
    assert.deepEqual(await table(killed), expected);

    const check = new SqliteStateStore(join(killed, '.cloudreduce', 'state.db'));
    try {
      for (const before of doneBeforeKill) {
        const now = await check.getTask('killed-run', before.taskId);
        assert.equal(now?.attempt, before.attempt, `${before.taskId} was not run again`);
        assert.equal(now?.finishedAt, before.finishedAt);
      }
    } finally {
      await check.close();
    }
  } finally {
    await rm(reference, { recursive: true, force: true });
    await rm(killed, { recursive: true, force: true });
  }
});

test('resume refuses a run that is not RUNNING, and an unknown run, with a clear message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'resume-bad-'));
  try {
    const unknown = await runCli(['resume', 'no-such-run'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No run "no-such-run"/);
    const done = await runCli(
      ['run', 'slow-count', '--jobs', FIXTURE_JOBS, '--param', 'delayMs=0', '--run-id', 'finished'],
      dir,
    );
    assert.equal(done.code, 0, done.stderr);
    const again = await runCli(['resume', 'finished', '--jobs', FIXTURE_JOBS], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /Run finished is DONE; only a RUNNING or FAILED run can be resumed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a FAILED run resumes once its cause is gone: committed tasks kept, the failed task starts over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'resume-failed-'));
  const blocker = join(dir, 'disk-full');
  try {
    await writeFile(blocker, '');
    const failed = await runCli(
      [
        'run',
        'blocked-count',
        '--jobs',
        FIXTURE_JOBS,
        '--param',
        `blocker=${blocker}`,
        '--run-id',
        'blocked',
      ],
      dir,
    );
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr + failed.stdout, /blocked by/);
    const state = new SqliteStateStore(join(dir, '.cloudreduce', 'state.db'));
    const doneBefore = (await state.listTasks('blocked', { state: 'DONE' })).map((t) => [
      t.taskId,
      t.attempt,
    ]);
    await state.close();
    assert.ok(doneBefore.length > 0, 'some map tasks committed before the failure');

    await rm(blocker);
    const resumed = await runCli(['resume', 'blocked', '--jobs', FIXTURE_JOBS], dir);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /^DONE blocked-count run blocked/m);
    const q = await runCli(['query', 'SELECT bucket, n FROM blocked_counts ORDER BY bucket', '--json'], dir);
    assert.deepEqual(JSON.parse(q.stdout), [
      { bucket: 0, n: 14 },
      { bucket: 1, n: 13 },
      { bucket: 2, n: 13 },
    ]);
    const after = new SqliteStateStore(join(dir, '.cloudreduce', 'state.db'));
    try {
      for (const [taskId, attempt] of doneBefore)
        assert.equal((await after.getTask('blocked', taskId as string))?.attempt, attempt, `${taskId} kept`);
      assert.equal((await after.getRun('blocked'))?.resumes, 1);
    } finally {
      await after.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts `cloudreduce run ARGS --run-id RUN_ID` and SIGKILLs it once its run record exists. */
async function startAndKill(dir: string, args: string[], runId: string): Promise<RunRecord> {
  const child = startCli([...args, '--run-id', runId], dir);
  const exited = new Promise((r) => child.on('exit', r));
  const dbPath = join(dir, '.cloudreduce', 'state.db');
  for (let i = 0; i < 200 && !existsSync(dbPath); i++) await sleep(50);
  const state = new SqliteStateStore(dbPath);
  try {
    let run: RunRecord | undefined;
    for (let i = 0; i < 600 && !run; i++) {
      await sleep(50);
      run = await state.getRun(runId).catch(() => undefined);
    }
    child.kill('SIGKILL');
    await exited;
    assert.equal(run?.status, 'RUNNING', 'the run finished before it could be killed; slow it down');
    return run;
  } finally {
    await state.close();
  }
}

test('a run started from a module path records it, and status and resume find the job without --jobs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'resume-path-'));
  try {
    // A user's own job module, outside this repository's tree of jobs.
    await mkdir(join(dir, 'jobs'));
    const source = `export { slowCount as default } from ${JSON.stringify(pathToFileURL(FIXTURE_JOBS).href)};\n`;
    await writeFile(join(dir, 'jobs/slow.ts'), source);
    const args = [
      'run',
      './jobs/slow.ts',
      '--param',
      'count=4000',
      '--param',
      'delayMs=100',
      '--workers',
      '1',
    ];
    const run = await startAndKill(dir, args, 'by-path');
    assert.equal(run.jobModule, pathToFileURL(join(dir, 'jobs/slow.ts')).href);

    const status = await runCli(['status', 'by-path'], dir);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^RUNNING slow-count run by-path/m);
    assert.ok(status.stdout.includes(`job module: ${run.jobModule}`), status.stdout);

    const resumed = await runCli(['resume', 'by-path'], dir);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /^DONE slow-count run by-path/m);

    // Moved away: resume says where the job came from and how to point at it again.
    await startAndKill(dir, args, 'moved');
    await rename(join(dir, 'jobs/slow.ts'), join(dir, 'jobs/moved.ts'));
    const lost = await runCli(['resume', 'moved'], dir);
    assert.equal(lost.code, 2, lost.stderr + lost.stdout);
    assert.ok(
      lost.stderr.includes(
        `Run moved is of job "slow-count", loaded from ${join(dir, 'jobs/slow.ts')}, which is no longer there. ` +
          'Pass the module that exports it: cloudreduce resume moved --jobs ./path/to/job.ts',
      ),
      lost.stderr,
    );
    const found = await runCli(['resume', 'moved', '--jobs', './jobs/moved.ts'], dir);
    assert.equal(found.code, 0, found.stderr + found.stdout);
    assert.match(found.stdout, /^DONE slow-count run moved/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
