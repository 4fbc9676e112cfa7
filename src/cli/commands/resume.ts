// `cloudreduce resume RUN_ID`: continues a run whose process died (killed, crashed, Ctrl-C), or a
// run that FAILED once its cause is gone (space freed, a bug fixed, a quota raised): committed work
// is kept; failed tasks start over with a fresh attempt budget; running ones are released and run
// again. With --dev / --project it reopens a cloud run, whose sweeper then re-publishes the work.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import type { RunRecord } from '../../core/records.ts';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { openCli, type CliIo } from '../session.ts';
import { superviseRun } from './supervise.ts';

export const RESUME_HELP = `Usage: cloudreduce resume RUN_ID [--workers N] [--data-dir DIR] [--jobs MODULE]...
       cloudreduce resume RUN_ID --dev | --project ID [--namespace NS] [--database DB]

Continues a run that was interrupted, or that FAILED and whose cause is gone (disk space
freed, a bug fixed and redeployed, a quota raised). Work already committed is kept; failed
tasks start over with a fresh attempt budget; tasks that were running are released and run
again, then the run goes on to its end. A run started from a job module (cloudreduce run
./jobs/x.ts) loads that module again; --jobs is needed only when the module has moved.
A FAILED local run keeps its intermediates for this (its summary and \`cloudreduce status
RUN_ID\` say how much); \`cloudreduce discard RUN_ID\` gives it up and frees that space.

--dev / --project reopen a run of the dev cloud or of a deployed project: its failed tasks
go back to PENDING and the deployed sweeper re-publishes them at its next tick.`;

export async function resumeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'resume',
    argv,
    {
      workers: { type: 'string' },
      dev: { type: 'boolean' },
      project: { type: 'string' },
      namespace: { type: 'string' },
      database: { type: 'string' },
    },
    ['RUN_ID'],
  );
  const common = commonOptions(values, io.env);
  const runId = positionals[0];
  if (common.help || !runId) {
    io.out(RESUME_HELP);
    return common.help ? 0 : 2;
  }
  if (values.dev || values.project !== undefined) return resumeCloud(runId, values, common.dataDir, io);
  const stored = await storedRun(common.dataDir, runId);
  const storedPath = stored?.jobModule?.startsWith('file:') ? fileURLToPath(stored.jobModule) : undefined;
  const jobModules = [...common.jobModules];
  if (storedPath && existsSync(storedPath)) jobModules.push(stored!.jobModule!);
  const session = await openCli({ ...common, jobModules }, io);
  if (
    stored &&
    (stored.status === 'RUNNING' || stored.status === 'FAILED') &&
    !session.jobs.has(stored.job)
  ) {
    throw new ConfigError(
      `Run ${runId} is of job "${stored.job}", ` +
        (stored.jobModule
          ? `loaded from ${storedPath ?? stored.jobModule}, which is no longer there. `
          : 'which no job module registers. ') +
        `Pass the module that exports it: cloudreduce resume ${runId} --jobs ./path/to/job.ts`,
    );
  }
  const budget = stored?.options.memoryBudgetBytes || undefined;
  return superviseRun(
    session,
    common,
    io,
    parseCount('--workers', values.workers),
    async (runtime) => {
      const run = await runtime.adapters.state.getRun(runId);
      if (!run)
        throw new ConfigError(`No run "${runId}" in ${common.dataDir}. List runs with: cloudreduce status`);
      if (run.status !== 'RUNNING' && run.status !== 'FAILED')
        throw new ConfigError(
          `Run ${runId} is ${run.status}; only a RUNNING or FAILED run can be resumed. Start a new run instead.`,
        );
      await runtime.resume(runId);
      return runId;
    },
    budget,
  );
}

async function resumeCloud(
  runId: string,
  values: { dev?: boolean; project?: string; namespace?: string; database?: string },
  dataDir: string,
  io: CliIo,
): Promise<number> {
  if (values.dev && values.project !== undefined)
    throw new ConfigError('Use either --dev or --project ID, not both.');
  const { openTargetState, resolveTarget } = await import('../../cloud/cloud-target.ts');
  const { reopenRun } = await import('../../core/resume.ts');
  const { silentLogger } = await import('../../core/logger.ts');
  const target = resolveTarget(
    {
      dataDir,
      ...(values.project !== undefined ? { project: values.project } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      ...(values.database !== undefined ? { database: values.database } : {}),
    },
    io.env,
  );
  const state = openTargetState(target);
  try {
    const before = await state.getRun(runId);
    if (!before)
      throw new ConfigError(`No run "${runId}" in ${target.label}. List runs with: cloudreduce status`);
    const run = await reopenRun(state, runId, Date.now(), silentLogger);
    const flag = values.dev ? '--dev' : `--project ${values.project}`;
    io.out(
      before.status === 'FAILED'
        ? `Run ${runId} resumed in ${target.label}: its failed tasks start over and the sweeper re-publishes them at its next tick.\nFollow it with: cloudreduce status ${runId} ${flag}`
        : `Run ${runId} is ${run.status} in ${target.label}; its sweeper keeps it moving. Follow it with: cloudreduce status ${runId} ${flag}`,
    );
    return 0;
  } finally {
    await state.close?.();
  }
}

/** The run as stored: its job module, and its memory budget to size the worker heaps. */
async function storedRun(dataDir: string, runId: string): Promise<RunRecord | undefined> {
  const path = localPaths(dataDir).state;
  if (!existsSync(path)) return undefined; // the runtime then says there is no such run
  const state = new SqliteStateStore(path);
  try {
    return await state.getRun(runId);
  } finally {
    await state.close();
  }
}
