// `cloudreduce discard RUN_ID`: gives up a stopped local run and deletes the intermediates it keeps
// for resume (blobs/tmp/RUN_ID/). A FAILED run is marked ABORTED first, so it is never resumed over
// missing intermediates; on a disk so full that even that write fails, the space is freed first.

import { ConfigError, isDiskFull } from '../../core/errors.ts';
import { discardRun } from '../../core/run-control.ts';
import { commonOptions, parse } from '../args.ts';
import { formatBytes, intermediatesPrefix, keptIntermediates, runBlobs } from '../intermediates.ts';
import { openLocalState } from '../local-state.ts';
import type { CliIo } from '../session.ts';

export const DISCARD_HELP = `Usage: cloudreduce discard RUN_ID [--data-dir DIR]

Gives up a local run that FAILED (or was aborted) and deletes the intermediates it keeps for
\`cloudreduce resume\`: its committed map output, plan and reduce parts under
DATA_DIR/blobs/tmp/RUN_ID/. A FAILED run becomes ABORTED and can no longer be resumed; its
error is kept. Use it when a run failed on a full disk and you will start over rather than
resume: the failure names the size of what it keeps and this command.`;

export async function discardCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('discard', argv, {}, ['RUN_ID']);
  const common = commonOptions(values, io.env);
  const runId = positionals[0];
  if (common.help || !runId) {
    io.out(DISCARD_HELP);
    return common.help ? 0 : 2;
  }
  const state = openLocalState(common.dataDir, runId);
  try {
    const run = await state.getRun(runId);
    if (!run)
      throw new ConfigError(`No run "${runId}" in ${common.dataDir}. List runs with: cloudreduce status`);
    if (run.status === 'RUNNING')
      throw new ConfigError(
        `Run ${runId} is RUNNING; its tasks may still read its intermediates. Stop it first with ` +
          `cloudreduce abort ${runId}, then discard it.`,
      );
    const kept = await keptIntermediates(common.dataDir, runId);
    if (run.status !== 'FAILED' && kept.objects === 0) {
      io.out(`run ${runId} is ${run.status} and keeps no intermediates; nothing to do`);
      return 0;
    }
    const blobs = runBlobs(common.dataDir);
    const mark = () => state.updateRun(runId, discardRun(Date.now(), 'cloudreduce discard'));
    try {
      await mark();
    } catch (err) {
      // The disk is too full for even this write: free the space, then mark the run.
      if (!isDiskFull(err)) throw err;
      await blobs.deletePrefix(intermediatesPrefix(runId));
      await mark().catch((again: unknown) => {
        throw new Error(
          `Deleted the intermediates of run ${runId}, but could not mark it ABORTED: ${String(again)}. ` +
            `Do not resume it; run cloudreduce discard ${runId} again once the state database is writable.`,
          { cause: again },
        );
      });
    }
    await blobs.deletePrefix(intermediatesPrefix(runId));
    io.out(
      `run ${runId} discarded: deleted ${kept.objects} intermediate objects (${formatBytes(kept.bytes)}) ` +
        `under ${kept.where}; the run is ABORTED and can no longer be resumed`,
    );
    return 0;
  } finally {
    await state.close();
  }
}
