// `cloudreduce status [RUN_ID]`: the runs, newest first; or one run in detail: per-task state,
// attempts, counters and errors. Reads the local state store, or with --dev / --project the
// Datastore state the cloud functions write.

import { ConfigError } from '../../core/errors.ts';
import { sliceCount, type RunRecord, type TaskRecord } from '../../core/records.ts';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.ts';
import type { StateStore } from '../../ports/state-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { errorLines, runSummary, table } from '../report.ts';
import type { CliIo } from '../session.ts';

export const STATUS_HELP = `Usage: cloudreduce status [RUN_ID] [--limit N] [--data-dir DIR] [--json]
       cloudreduce status [RUN_ID] --dev | --project ID [--namespace NS] [--database DB]

Without RUN_ID: the latest runs, newest first. With RUN_ID: the run's phase, counters,
outputs and every task with its state, attempts, slices and last error.

Runs of \`cloudreduce run\` are read from DATA_DIR. --dev reads the running dev cloud
(\`cloudreduce dev\`); --project reads a deployed project's Datastore (application default
credentials; namespace and database default to env CLOUDREDUCE_DATASTORE_NAMESPACE/_DATABASE).`;

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('status', argv, {
    limit: { type: 'string' },
    dev: { type: 'boolean' },
    project: { type: 'string' },
    namespace: { type: 'string' },
    database: { type: 'string' },
  });
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const { state, where } = await openState(values, common.dataDir, io.env);
  try {
    const runId = positionals[0];
    if (!runId) {
      const runs = await state.listRuns({ limit: parseCount('--limit', values.limit) ?? 20 });
      if (common.json) io.out(JSON.stringify(runs, null, 2));
      else
        io.out(
          runs.length
            ? table(runs.map(listRow))
            : `No runs yet in ${where}. Start one with: cloudreduce ${where === common.dataDir ? 'run' : 'submit'} wordcount --input FILE`,
        );
      return 0;
    }
    const run = await state.getRun(runId);
    if (!run)
      throw new ConfigError(
        `No run "${runId}" in ${where}. List runs with: cloudreduce status${flagsOf(values)}`,
      );
    const tasks = await state.listTasks(runId);
    if (common.json) {
      io.out(JSON.stringify({ run, tasks }, null, 2));
      return 0;
    }
    io.out(runSummary(run));
    if (run.jobModule) io.out(`job module: ${run.jobModule}`);
    if (run.status === 'RUNNING') io.out(`phase: ${run.stages[run.stage]?.name ?? run.stage} ${run.phase}`);
    if (tasks.length) io.out(`\ntasks:\n${table(tasks.map(taskRow))}`);
    for (const t of tasks.filter((t) => t.error && t.state !== 'DONE')) {
      io.out(`\n${t.taskId} (${t.state}, attempt ${t.attempt}):`);
      io.out(errorLines({ ...run, error: { ...t.error!, taskId: t.taskId } }).join('\n'));
    }
    return 0;
  } finally {
    await state.close?.();
  }
}

interface TargetValues {
  dev?: boolean;
  project?: string;
  namespace?: string;
  database?: string;
}

async function openState(
  values: TargetValues,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ state: StateStore; where: string }> {
  if (!values.dev && values.project === undefined) {
    if (values.namespace !== undefined || values.database !== undefined)
      throw new ConfigError('--namespace and --database need --dev or --project ID.');
    return { state: new SqliteStateStore(localPaths(dataDir).state), where: dataDir };
  }
  if (values.dev && values.project !== undefined)
    throw new ConfigError('Use either --dev or --project ID, not both.');
  // The cloud side loads the Google Cloud clients; local status stays quick without them.
  const { openTargetState, resolveTarget } = await import('../../cloud/cloud-target.ts');
  const target = resolveTarget(
    {
      dataDir,
      ...(values.project !== undefined ? { project: values.project } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      ...(values.database !== undefined ? { database: values.database } : {}),
    },
    env,
  );
  return { state: openTargetState(target), where: target.label };
}

function flagsOf(values: TargetValues): string {
  return values.dev ? ' --dev' : values.project !== undefined ? ` --project ${values.project}` : '';
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
    // A task past its time budget runs in slices, each in its own message (and attempt).
    slices: sliceCount(t),
    records: c['map-records'] ?? c['reduce-keys'] ?? '',
    input: t.description ?? '',
    error: t.error && t.state !== 'DONE' ? t.error.message.slice(0, 50) : '',
  };
}
