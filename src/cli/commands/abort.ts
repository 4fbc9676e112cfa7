// `cloudreduce abort RUN_ID`: stops a run. Tasks in flight notice at their next lease renewal.

import { ConfigError } from '../../core/errors.ts';
import { commonOptions, parse } from '../args.ts';
import { openLocalState } from '../local-state.ts';
import type { CliIo } from '../session.ts';

export const ABORT_HELP = `Usage: cloudreduce abort RUN_ID [--data-dir DIR]

Marks a running run ABORTED. Its tasks stop at their next lease check; nothing more is written.`;

export async function abortCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('abort', argv, {}, ['RUN_ID']);
  const common = commonOptions(values, io.env);
  const runId = positionals[0];
  if (common.help || !runId) {
    io.out(ABORT_HELP);
    return common.help ? 0 : 2;
  }
  const state = openLocalState(common.dataDir, runId);
  try {
    const iso = new Date().toISOString();
    const result = await state.updateRun(runId, (run) =>
      run.status === 'RUNNING'
        ? {
            ...run,
            status: 'ABORTED',
            updatedAt: iso,
            finishedAt: iso,
            error: { name: 'Aborted', message: 'aborted by the user (cloudreduce abort)' },
          }
        : undefined,
    );
    if (!result)
      throw new ConfigError(`No run "${runId}" in ${common.dataDir}. List runs with: cloudreduce status`);
    io.out(
      result.changed
        ? `run ${runId} aborted`
        : `run ${runId} is already ${result.record.status}; nothing to do`,
    );
    return 0;
  } finally {
    await state.close();
  }
}
