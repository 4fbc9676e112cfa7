// exercise-summary: a day of ProblemLog records (NDJSON: user, exercise, time_taken seconds,
// correct, earned_proficiency, dt) → one row per (user, exercise) in table exercise_summary, a
// table partitioned by day. Each run truncates only its own day's partition, so re-running a day
// (late logs, a fix) replaces that day and leaves the others alone. Khan Academy's daily summary
// on appengine-mapreduce, as a job.
//
// Input is NDJSON files (--input), not entities: the logs are exported daily, and a file input
// needs no Datastore index on dt. Records of other days are ignored; a record that is not a
// ProblemLog is counted (invalid-logs) and skipped rather than failing the day.

import { defineJob, input, output, param, type Values } from '../src/index.ts';
import { schema } from '../src/io/index.ts';

export interface ProblemLog {
  user: string;
  exercise: string;
  time_taken: number;
  correct: boolean;
  earned_proficiency: boolean;
  /** The day, 'YYYY-MM-DD' (a datetime string counts by its UTC day). */
  dt: string;
}

export interface DaySummary {
  /** time_taken summed, correct answers, wrong answers, and whether proficiency was earned. */
  t: number;
  c: number;
  w: number;
  p: boolean;
}

export interface SummaryRow {
  dt: string;
  user: string;
  exercise: string;
  time_taken: number;
  correct: number;
  wrong: number;
  proficient: boolean;
}

export const exerciseSummarySchema = schema(
  {
    dt: { type: 'DATE', mode: 'REQUIRED' },
    user: { type: 'STRING', mode: 'REQUIRED' },
    exercise: { type: 'STRING', mode: 'REQUIRED' },
    time_taken: 'FLOAT64',
    correct: 'INT64',
    wrong: 'INT64',
    proficient: 'BOOL',
  },
  { partitionBy: 'dt' },
);

/** The day of a log, or undefined when the record is not a ProblemLog. */
export function logDay(r: Partial<Record<keyof ProblemLog, unknown>>): string | undefined {
  const ok =
    typeof r.user === 'string' &&
    typeof r.exercise === 'string' &&
    typeof r.time_taken === 'number' &&
    Number.isFinite(r.time_taken) &&
    typeof r.correct === 'boolean' &&
    typeof r.earned_proficiency === 'boolean' &&
    typeof r.dt === 'string' &&
    /^\d{4}-\d{2}-\d{2}/.test(r.dt);
  return ok ? (r.dt as string).slice(0, 10) : undefined;
}

export function addSummaries(a: DaySummary, b: DaySummary): DaySummary {
  return { t: a.t + b.t, c: a.c + b.c, w: a.w + b.w, p: a.p || b.p };
}

export const exerciseSummary = defineJob({
  name: 'exercise-summary',
  description:
    'Daily per-(user, exercise) time, correct/wrong counts and proficiency from ProblemLog NDJSON into the day-partitioned table exercise_summary.',
  params: { date: param.date({ required: true, description: 'The day to summarise, YYYY-MM-DD.' }) },
  input: input.ndjson(),
  map(
    log: Partial<Record<keyof ProblemLog, unknown>>,
    emit: (key: [string, string], v: DaySummary) => void,
    ctx,
  ) {
    const day = logDay(log);
    if (day === undefined) return void ctx.count('invalid-logs');
    if (day !== ctx.params.date) return;
    const l = log as ProblemLog;
    emit([l.user, l.exercise], {
      t: l.time_taken,
      c: l.correct ? 1 : 0,
      w: l.correct ? 0 : 1,
      p: l.earned_proficiency,
    });
  },
  combine: (_key: [string, string], values: DaySummary[]) => [values.reduce(addSummaries)],
  async reduce(key: [string, string], values: Values<DaySummary>, emit: (row: SummaryRow) => void, ctx) {
    let s: DaySummary = { t: 0, c: 0, w: 0, p: false };
    for await (const v of values) s = addSummaries(s, v);
    const [user, exercise] = key;
    emit({ dt: ctx.params.date, user, exercise, time_taken: s.t, correct: s.c, wrong: s.w, proficient: s.p });
  },
  outputs: {
    exercise_summary: output.table('exercise_summary', exerciseSummarySchema, {
      mode: 'truncate',
      partition: (p) => String(p.date),
    }),
  },
});
