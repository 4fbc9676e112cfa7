// `cloudreduce status [RUN_ID]`: the runs, newest first; or one run in detail: per-task state,
// attempts, counters and errors.

import { ConfigError } from '../../core/errors.ts';
import type { RunRecord, TaskRecord } from '../../core/records.ts';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { errorLines, runSummary, table } from '../report.ts';
import type { CliIo } from '../session.ts';

export const STATUS_HELP = `Usage: cloudreduce status [RUN_ID] [--limit N] [--data-dir DIR] [--json]

Without RUN_ID: the latest runs, newest first. With RUN_ID: the run's phase, counters,
outputs and every task with its state, attempts and last error.`;

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('status', argv, { limit: { type: 'string' } });
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const state = new SqliteStateStore(localPaths(common.dataDir).state);
  try {
    const runId = positionals[0];
    if (!runId) {
      const runs = await state.listRuns({ limit: parseCount('--limit', values.limit) ?? 20 });
      if (common.json) io.out(JSON.stringify(runs, null, 2));
      else
        io.out(
          runs.length
            ? table(runs.map(listRow))
            : `No runs yet in ${common.dataDir}. Start one with: cloudreduce run wordcount --input FILE`,
        );
      return 0;
    }
    const run = await state.getRun(runId);
    if (!run)
      throw new ConfigError(`No run "${runId}" in ${common.dataDir}. List runs with: cloudreduce status`);
    const tasks = await state.listTasks(runId);
    if (common.json) {
      io.out(JSON.stringify({ run, tasks }, null, 2));
      return 0;
    }
    io.out(runSummary(run));
    if (run.status === 'RUNNING') io.out(`phase: ${run.stages[run.stage]?.name ?? run.stage} ${run.phase}`);
    if (tasks.length) io.out(`\ntasks:\n${table(tasks.map(taskRow))}`);
    for (const t of tasks.filter((t) => t.error && t.state !== 'DONE')) {
      io.out(`\n${t.taskId} (${t.state}, attempt ${t.attempt}):`);
      io.out(errorLines({ ...run, error: { ...t.error!, taskId: t.taskId } }).join('\n'));
    }
    return 0;
  } finally {
    await state.close();
  }
}

function listRow(run: RunRecord) {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return {
    run: run.runId,
    job: run.job,
    status: run.status,
    phase: run.status === 'RUNNING' ? `${run.stages[run.stage]?.name ?? ''} ${run.phase}`.trim() : '',
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
    records: c['map-records'] ?? c['reduce-keys'] ?? '',
    input: t.description ?? '',
    error: t.error && t.state !== 'DONE' ? t.error.message.slice(0, 50) : '',
  };
}
