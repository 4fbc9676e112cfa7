// Resuming a run: a FAILED run whose cause is gone (space freed, a bug fixed and redeployed, a
// quota raised) goes on from where it stopped. Committed work is kept; failed tasks start over with
// a fresh attempt budget; then the sweeper re-publishes whatever should be moving. A RUNNING run
// whose process died (local mode) is swept with its RUNNING tasks released.

import type { EngineEnv } from './env.ts';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { RunRecord } from './records.ts';
import type { StateStore } from '../ports/state-store.ts';
import { sweepRun } from './sweeper.ts';
import { retryTask } from './task-state.ts';

export interface ResumeOptions {
  /** The run's workers are known to be gone (a local run whose process died): take their tasks back. */
  releaseRunning?: boolean;
}

/**
 * Resumes a RUNNING or FAILED run: reopens it (below) and sweeps it at once, so its work is
 * published again now instead of at the next sweeper tick.
 */
export async function resumeRun(
  env: EngineEnv,
  runId: string,
  options: ResumeOptions = {},
): Promise<RunRecord> {
  await reopenRun(env.state, runId, env.now(), env.logger);
  await sweepRun(env, runId, {
    pendingAfterMillis: 0,
    ...(options.releaseRunning ? { releaseRunning: true } : {}),
  });
  return (await env.state.getRun(runId))!;
}

/**
 * The state side of a resume, which needs no job code: a FAILED run's failed tasks go back to
 * PENDING with a fresh attempt budget and the run to RUNNING (committed tasks and slices stay as
 * they are); a RUNNING run is left alone. A deployed sweeper re-publishes the work on its next
 * tick, which is how `cloudreduce resume --dev / --project` resumes a cloud run.
 */
export async function reopenRun(
  state: StateStore,
  runId: string,
  now: number,
  logger: Logger,
): Promise<RunRecord> {
  const run = await state.getRun(runId);
  if (!run) throw new ConfigError(`No run "${runId}". List runs with: cloudreduce status`);
  if (run.status !== 'RUNNING' && run.status !== 'FAILED') {
    throw new ConfigError(
      `Run ${runId} is ${run.status}; only a RUNNING or FAILED run can be resumed. Start a new run instead.`,
    );
  }
  if (run.status === 'RUNNING') return run;
  // Tasks first, the run second: a resume that dies in between leaves a FAILED run (resume again),
  // never a RUNNING run over a task that is still FAILED.
  for (const task of await state.listTasks(runId, { stage: run.stage, state: 'FAILED' }))
    await state.updateTask(runId, task.taskId, retryTask(now));
  const iso = new Date(now).toISOString();
  const reopened = await state.updateRun(runId, (r) => {
    if (r.status !== 'FAILED') return undefined;
    const { error: _e, finishedAt: _f, ...rest } = r;
    return { ...rest, status: 'RUNNING', resumes: (r.resumes ?? 0) + 1, updatedAt: iso };
  });
  logger.info(`run ${runId} resumed after it failed${run.error ? `: ${run.error.message}` : ''}`, { runId });
  return reopened?.record ?? run;
}
