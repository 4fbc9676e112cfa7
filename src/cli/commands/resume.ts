// `cloudreduce resume RUN_ID`: continues a run whose process died (killed, crashed, Ctrl-C): its
// committed tasks stay committed; the rest are released and run again.

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

Continues a run that was interrupted. Work already committed is kept; tasks that were
running are released and run again, then the run goes on to its end. A run started from a
job module (cloudreduce run ./jobs/x.ts) loads that module again; --jobs is needed only
when the module has moved.`;

export async function resumeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('resume', argv, { workers: { type: 'string' } }, ['RUN_ID']);
  const common = commonOptions(values, io.env);
  const runId = positionals[0];
  if (common.help || !runId) {
    io.out(RESUME_HELP);
    return common.help ? 0 : 2;
  }
  const stored = await storedRun(common.dataDir, runId);
  const storedPath = stored?.jobModule?.startsWith('file:') ? fileURLToPath(stored.jobModule) : undefined;
  const jobModules = [...common.jobModules];
  if (storedPath && existsSync(storedPath)) jobModules.push(stored!.jobModule!);
  const session = await openCli({ ...common, jobModules }, io);
  if (stored && stored.status === 'RUNNING' && !session.jobs.has(stored.job)) {
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
      if (run.status !== 'RUNNING')
        throw new ConfigError(
          `Run ${runId} is ${run.status}; only a RUNNING run can be resumed. Start a new run instead.`,
        );
      await runtime.resume(runId);
      return runId;
    },
    budget,
  );
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
