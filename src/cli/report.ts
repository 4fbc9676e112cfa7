// How a finished run is shown: status, elapsed time, counters, outputs, and for a failure the
// failing task, the input position and the error, with its stack unless the user can fix it from
// the message alone.

import type { RunRecord } from '../core/records.ts';
import { sumCounters } from '../core/task-state.ts';

/** `running` says what runs a RUNNING run (default "still running"; status knows more locally). */
export function runSummary(run: RunRecord, running = 'still running'): string {
  const lines: string[] = [];
  const took = run.finishedAt
    ? `${((Date.parse(run.finishedAt) - Date.parse(run.createdAt)) / 1000).toFixed(1)} s`
    : running;
  lines.push(`${run.status} ${run.job} run ${run.runId} (${took})`);
  const counters = sumCounters(run.stages.map((s) => s.counters ?? s.mapCounters));
  if (Object.keys(counters).length) {
    lines.push('counters:');
    for (const [name, n] of Object.entries(counters).sort(([a], [b]) => a.localeCompare(b)))
      lines.push(`  ${name.padEnd(24)} ${n}`);
  }
  const outputs = run.stages.flatMap((s) =>
    Object.entries(s.outputs ?? {}).map(([name, o]) => ({ stage: s.name, name, ...o })),
  );
  const shown = outputs.filter((o) => o.type !== 'parts');
  if (shown.length) {
    lines.push('outputs:');
    for (const o of shown)
      lines.push(`  ${o.name.padEnd(16)} ${String(o.rows).padStart(9)} records → ${o.target}`);
  }
  if (run.error) lines.push(...errorLines(run));
  return lines.join('\n');
}

/**
 * Errors a user fixes from the message (bad config or request; a bad input record, whose position
 * is shown): their stack points into the engine and would only bury the message.
 */
const USER_FIXABLE = new Set(['ConfigError', 'InputError']);

export function errorLines(run: RunRecord): string[] {
  const e = run.error;
  if (!e) return [];
  const lines = [`error: ${e.name}: ${e.message}`];
  if (e.taskId) lines.push(`  task: ${e.taskId}`);
  if (e.position) lines.push(`  at input: ${e.position}`);
  const stack = USER_FIXABLE.has(e.name) ? undefined : e.stack?.split('\n').slice(1, 6).join('\n');
  if (stack) lines.push(stack);
  return lines;
}

/** A plain text table; columns sized to content. */
export function table(rows: readonly Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? ''
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.slice(0, 60).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}
