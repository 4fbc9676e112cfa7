// Waits for a run of the dev cloud or a project to end, showing the same progress line as a local
// run (`submit --wait`). The functions do the work; this only reads the run and task records.

import { ConfigError } from '../core/errors.ts';
import type { RunRecord } from '../core/records.ts';
import { ProgressReporter } from './progress.ts';
import type { RunSource } from './run-source.ts';
import type { CliIo } from './session.ts';

export interface FollowOptions {
  /** The job the run must be of: a run id taken by another job's run is not ours to wait for. */
  job: string;
  pollMillis?: number;
  /** Say so once when the run has not appeared after this long (split not running?). */
  appearMillis?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function followRun(
  source: RunSource,
  runId: string,
  io: CliIo,
  options: FollowOptions,
): Promise<RunRecord> {
  const state = source.state;
  if (!state) throw new ConfigError(`Cannot read runs in ${source.where}.`);
  const pollMillis = options.pollMillis ?? 1000;
  const appearMillis = options.appearMillis ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const progress = new ProgressReporter(io.progressStream);
  const started = Date.now();
  let warned = false;
  for (;;) {
    const run = await state.getRun(runId);
    if (run && run.job !== options.job) {
      progress.done();
      throw new ConfigError(
        `Run id ${runId} in ${source.where} belongs to a run of job ${run.job}, so the message for ` +
          `${options.job} was rejected. See its rejection with: cloudreduce status${source.flags}`,
      );
    }
    if (run) {
      await progress.tick(run, state);
      if (run.status !== 'RUNNING') {
        progress.done();
        return run;
      }
    } else if (!warned && Date.now() - started >= appearMillis) {
      warned = true;
      io.err(
        `run ${runId} has not appeared in ${source.where} after ${Math.round(appearMillis / 1000)} s; ` +
          `still waiting. Is the split function running? See: cloudreduce logs ${runId}${source.flags}`,
      );
    }
    await sleep(pollMillis);
  }
}
