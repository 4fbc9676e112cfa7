import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exerciseSummary, logDay } from '../../jobs/exercise-summary.ts';
import { runJob } from '../../src/testing.ts';
import { logs, ndjson, normalise, plainSummary, sortRows } from './plain/exercise-summary.ts';

test('logDay accepts ProblemLogs only and takes a datetime by its day', () => {
  assert.equal(logDay({ ...logs('2026-11-20', 1, 1)[0]!, dt: '2026-11-20T23:59:00Z' }), '2026-11-20');
  assert.equal(logDay({ ...logs('2026-11-20', 1, 1)[0]!, correct: 'yes' }), undefined);
  assert.equal(logDay({}), undefined);
});

test('each day equals a plain summary, and re-running a day replaces that day only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exsum-'));
  const dataDir = join(dir, 'data');
  try {
    const day1 = logs('2026-11-20', 400, 1);
    const day2 = logs('2026-11-21', 300, 2);
    // Both days' logs in one file: each run must pick its own day. Plus one record that is not a log.
    await writeFile(join(dir, 'logs.ndjson'), ndjson([...day1, ...day2, { user: 'x' }]));
    const run = (date: string) =>
      runJob(exerciseSummary, {
        inputs: [join(dir, 'logs.ndjson')],
        params: { date },
        dataDir,
        shards: 3,
        partitions: 2,
      });

    const first = await run('2026-11-20');
    assert.equal(first.run.status, 'DONE', JSON.stringify(first.run.error));
    assert.equal(first.run.stages[0]!.counters!['invalid-logs'], 1);
    assert.deepEqual(normalise(first.outputs.exercise_summary!), plainSummary(day1, '2026-11-20'));

    const second = await run('2026-11-21');
    assert.deepEqual(
      normalise(second.outputs.exercise_summary!),
      sortRows([...plainSummary(day1, '2026-11-20'), ...plainSummary(day2, '2026-11-21')]),
    );

    // Day 1 is re-run with changed data (fewer, different logs): only its partition changes.
    const day1b = logs('2026-11-20', 50, 9);
    await writeFile(join(dir, 'logs.ndjson'), ndjson([...day1b, ...day2]));
    const rerun = await run('2026-11-20');
    assert.equal(rerun.run.status, 'DONE', JSON.stringify(rerun.run.error));
    assert.deepEqual(
      normalise(rerun.outputs.exercise_summary!),
      sortRows([...plainSummary(day1b, '2026-11-20'), ...plainSummary(day2, '2026-11-21')]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('exercise-summary needs its date param', async () => {
  const { run } = await runJob(exerciseSummary, { inputs: ['none.ndjson'] });
  assert.equal(run.status, 'REJECTED');
  assert.equal(
    run.error?.message,
    'Invalid params for job "exercise-summary": param "date" is required (date, required). See `cloudreduce run exercise-summary --help`.',
  );
});
