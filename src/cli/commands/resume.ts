// `cloudreduce resume RUN_ID`: continues a run whose process died (killed, crashed, Ctrl-C): its
// committed tasks stay committed; the rest are released and run again.

import { ConfigError } from '../../core/errors.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { openCli, type CliIo } from '../session.ts';
import { superviseRun } from './supervise.ts';

export const RESUME_HELP = `Usage: cloudreduce resume RUN_ID [--workers N] [--data-dir DIR] [--jobs MODULE]...

Continues a run that was interrupted. Work already committed is kept; tasks that were
running are released and run again, then the run goes on to its end.`;

export async function resumeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('resume', argv, { workers: { type: 'string' } });
  const common = commonOptions(values, io.env);
  const runId = positionals[0];
  if (common.help || !runId) {
    io.out(RESUME_HELP);
    return common.help ? 0 : 2;
  }
  const session = await openCli(common, io);
  return superviseRun(session, common, io, parseCount('--workers', values.workers), async (runtime) => {
    const run = await runtime.adapters.state.getRun(runId);
    if (!run)
      throw new ConfigError(`No run "${runId}" in ${common.dataDir}. List runs with: cloudreduce status`);
    if (run.status !== 'RUNNING')
      throw new ConfigError(
        `Run ${runId} is ${run.status}; only a RUNNING run can be resumed. Start a new run instead.`,
      );
    await runtime.resume(runId);
    return runId;
  });
}
