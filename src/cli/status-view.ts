// What `status` prints: the list of runs, or one run with its tasks. Shared by one-shot `status`
// and `status --watch`, which redraws the same text.

import { sliceCount, type RunRecord, type TaskRecord } from '../core/records.ts';
import { errorLines, runSummary, table } from './report.ts';
import type { RunSource } from './run-source.ts';

export function runListText(runs: readonly RunRecord[], source: RunSource): string {
  if (!runs.length) {
    return source.kind === 'local'
      ? `No runs yet in ${source.where}. Start one with: cloudreduce run wordcount --input FILE`
      : `No runs yet in ${source.where}. Start one with: cloudreduce submit wordcount --input FILE${source.flags}`;
  }
  return table(runs.map((run) => listRow(run, source)));
}

export function runDetailText(run: RunRecord, tasks: readonly TaskRecord[], source: RunSource): string {
  const running = run.status === 'RUNNING' ? source.running(run) : undefined;
  const lines = [runSummary(run, running)];
  if (run.jobModule) lines.push(`job module: ${run.jobModule}`);
  if (run.status === 'RUNNING') lines.push(`phase: ${run.stages[run.stage]?.name ?? run.stage} ${run.phase}`);
  if (tasks.length) lines.push(`\ntasks:\n${table(tasks.map(taskRow))}`);
  for (const t of tasks.filter((t) => t.error && t.state !== 'DONE')) {
    lines.push(`\n${t.taskId} (${t.state}, attempt ${t.attempt}):`);
    lines.push(errorLines({ ...run, error: { ...t.error!, taskId: t.taskId } }).join('\n'));
  }
  return lines.join('\n');
}

function listRow(run: RunRecord, source: RunSource) {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const phase = run.status === 'RUNNING' ? `${run.stages[run.stage]?.name ?? ''} ${run.phase}`.trim() : '';
  // Locally a RUNNING run may have lost its process; the list says so in one word.
  const interrupted = run.status === 'RUNNING' && source.running(run).startsWith('interrupted');
  return {
    run: run.runId,
    job: run.job,
    status: run.status,
    phase: interrupted ? `${phase} (interrupted)` : phase,
    started: run.createdAt.replace('T', ' ').slice(0, 19),
    elapsed: `${((end - Date.parse(run.createdAt)) / 1000).toFixed(1)}s`,
    error: run.error?.message.slice(0, 60) ?? '',
  };
}

function taskRow(t: TaskRecord) {
  const c = t.counters ?? {};
  return {
    task: t.taskId,
    state: t.state,
    attempts: t.attempt,
    // A task past its time budget runs in slices, each in its own message (and attempt).
    slices: sliceCount(t),
    records: c['map-records'] ?? c['reduce-keys'] ?? '',
    input: t.description ?? '',
    error: t.error && t.state !== 'DONE' ? t.error.message.slice(0, 50) : '',
  };
}
