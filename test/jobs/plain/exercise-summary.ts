// exercise-summary's test data and the obvious implementation the job must agree with, shared by
// the local test (test/jobs) and the end-to-end test through the emulated cloud
// (test/cloud/workloads.test.ts).

import type { ProblemLog } from '../../../jobs/exercise-summary.ts';

/** Deterministic logs: a small LCG so every run of the test sees the same data. */
export function logs(day: string, n: number, seed: number): ProblemLog[] {
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
export function plainSummary(all: ProblemLog[], day: string) {
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

/** Table rows as plain values: a DATE as 'YYYY-MM-DD' (a Date, a string or a BigQueryDate), numbers. */
export function normalise(rows: Record<string, unknown>[]) {
  return sortRows(
    rows.map((r) => ({
      dt: dateText(r.dt),
      user: r.user,
      exercise: r.exercise,
      time_taken: Number(r.time_taken),
      correct: Number(r.correct),
      wrong: Number(r.wrong),
      proficient: r.proficient,
    })),
  );
}

function dateText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object' && v !== null && 'value' in v) return String((v as { value: unknown }).value);
  return String(v).slice(0, 10);
}

export function sortRows(rows: Record<string, unknown>[]) {
  const id = (r: Record<string, unknown>) => `${String(r.dt)}|${String(r.user)}|${String(r.exercise)}`;
  return rows.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

export const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
