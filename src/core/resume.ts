// Resuming a run: a FAILED run whose cause is gone (space freed, a bug fixed and redeployed, a
// quota raised) goes on from where it stopped. Committed work is kept; failed tasks start over with
// a fresh attempt budget; then the sweeper re-publishes whatever should be moving. A RUNNING run
// whose process died (local mode) is swept with its RUNNING tasks released.

import type { EngineEnv } from './env.ts';
import { ConfigError } from './errors.ts';
import type { RunRecord } from './records.ts';
import { sweepRun } from './sweeper.ts';
import { retryTask } from './task-state.ts';

export interface ResumeOptions {
  /** The run's workers are known to be gone (a local run whose process died): take their tasks back. */
  releaseRunning?: boolean;
}

export async function resumeRun(
  env: EngineEnv,
  runId: string,
  options: ResumeOptions = {},
): Promise<RunRecord> {
  const run = await env.state.getRun(runId);
  if (!run) throw new ConfigError(`No run "${runId}". List runs with: cloudreduce status`);
  if (run.status !== 'RUNNING' && run.status !== 'FAILED') {
    throw new ConfigError(
      `Run ${runId} is ${run.status}; only a RUNNING or FAILED run can be resumed. Start a new run instead.`,
    );
  }
  if (run.status === 'FAILED') {
    // Tasks first, the run second: a resume that dies in between leaves a FAILED run (resume again),
    // never a RUNNING run over a task that is still FAILED.
    const now = env.now();
    for (const task of await env.state.listTasks(runId, { stage: run.stage, state: 'FAILED' }))
      await env.state.updateTask(runId, task.taskId, retryTask(now));
    const iso = new Date(now).toISOString();
    await env.state.updateRun(runId, (r) => {
      if (r.status !== 'FAILED') return undefined;
      const { error: _e, finishedAt: _f, ...rest } = r;
      return { ...rest, status: 'RUNNING', resumes: (r.resumes ?? 0) + 1, updatedAt: iso };
    });
    env.logger.info(`run ${runId} resumed after failing${run.error ? `: ${run.error.message}` : ''}`, {
      runId,
    });
  }
  await sweepRun(env, runId, {
    pendingAfterMillis: 0,
    ...(options.releaseRunning ? { releaseRunning: true } : {}),
  });
  return (await env.state.getRun(runId)) ?? run;
}
