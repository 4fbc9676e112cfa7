import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exerciseSummary, logDay, type ProblemLog } from '../../jobs/exercise-summary.ts';
import { runJob } from '../../src/testing.ts';

/** Deterministic logs: a small LCG so every run of the test sees the same data. */
function logs(day: string, n: number, seed: number): ProblemLog[] {
  let s = seed;
  const next = (m: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % m;
  };
  return Array.from({ length: n }, () => ({
    user: `u${next(7)}`,
    exercise: `ex${next(5)}`,
    time_taken: next(120) + 0.5,
    correct: next(3) > 0,
    earned_proficiency: next(10) === 0,
    dt: day,
  }));
}

/** The obvious implementation the job must agree with. */
function plainSummary(all: ProblemLog[], day: string) {
  const rows = new Map<string, Record<string, unknown>>();
  for (const l of all.filter((x) => x.dt === day)) {
    const id = `${l.user}|${l.exercise}`;
    const row = rows.get(id) ?? {
      dt: day,
      user: l.user,
      exercise: l.exercise,
      time_taken: 0,
      correct: 0,
      wrong: 0,
      proficient: false,
    };
    row.time_taken = (row.time_taken as number) + l.time_taken;
    row.correct = (row.correct as number) + (l.correct ? 1 : 0);
    row.wrong = (row.wrong as number) + (l.correct ? 0 : 1);
    row.proficient = (row.proficient as boolean) || l.earned_proficiency;
    rows.set(id, row);
  }
  return sortRows([...rows.values()]);
}

function normalise(rows: Record<string, unknown>[]) {
  return sortRows(
    rows.map((r) => ({
      dt: r.dt instanceof Date ? r.dt.toISOString().slice(0, 10) : String(r.dt).slice(0, 10),
      user: r.user,
      exercise: r.exercise,
      time_taken: Number(r.time_taken),
      correct: Number(r.correct),
      wrong: Number(r.wrong),
      proficient: r.proficient,
    })),
  );
}

function sortRows(rows: Record<string, unknown>[]) {
  const id = (r: Record<string, unknown>) => `${String(r.dt)}|${String(r.user)}|${String(r.exercise)}`;
  return rows.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

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
