// The sweeper: the safety net that makes "hung without an error" impossible. For a RUNNING run it
// re-publishes whatever should be moving and is not — tasks whose lease expired or whose message
// was lost, a phase flip whose publish was lost, a stage stuck in planning — and flags runs with no
// progress for too long. It runs on a schedule in the cloud and on a timer (and on resume) locally.

import { checkBarrier } from './barrier.ts';
import { DEFAULTS } from './defaults.ts';
import type { EngineEnv } from './env.ts';
import { planStage, publishTasks } from './plan.ts';
import type { RunRecord, TaskRecord } from './records.ts';
import { releaseTask } from './task-state.ts';

/** Task records the sweeper holds at once. */
const SWEEP_PAGE = 250;

export interface SweepOptions {
  /** Re-publish PENDING tasks untouched for this long (their message may be lost). */
  pendingAfterMillis?: number;
  /** Take back RUNNING tasks whatever their lease (their workers are known to be dead: resume). */
  releaseRunning?: boolean;
  stallMillis?: number;
}

export interface SweepReport {
  runId: string;
  republished: number;
  stalled: boolean;
}

export async function sweepRun(
  env: EngineEnv,
  runId: string,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const report: SweepReport = { runId, republished: 0, stalled: false };
  const run = await env.state.getRun(runId);
  if (!run || run.status !== 'RUNNING') return report;
  const job = env.jobs.get(run.job);
  const now = env.now();

  if (run.phase === 'split') {
    await planStage(env, job, run, run.stage);
    report.republished++;
    return report;
  }
  if (run.phase === 'finalize') {
    if (
      options.releaseRunning ||
      now - Date.parse(run.updatedAt) > (options.pendingAfterMillis ?? env.leaseMillis)
    ) {
      await env.bus.publish('finalize', [{ data: { runId, stage: run.stage } }]);
      report.republished++;
    }
    return report;
  }

  // Page by page, re-publishing as it goes: the sweeper's memory stays constant whatever the
  // number of tasks (a map record carries its partition index, ~51 KB at R = 1,000).
  let lastActivity = Date.parse(run.updatedAt);
  let cursor: string | undefined;
  do {
    const page = await env.state.listTasksPage(
      runId,
      { stage: run.stage, phase: run.phase },
      cursor === undefined ? { limit: SWEEP_PAGE } : { limit: SWEEP_PAGE, cursor },
    );
    cursor = page.cursor;
    const stuck: TaskRecord[] = [];
    for (const task of page.tasks) {
      lastActivity = Math.max(lastActivity, Date.parse(task.updatedAt));
      if (task.state === 'DONE' || task.state === 'FAILED') continue;
      if (task.state === 'RUNNING' && options.releaseRunning) {
        await env.state.updateTask(runId, task.taskId, releaseTask(now));
        stuck.push(task);
      } else if (task.state === 'RUNNING' && (task.leaseExpiresAt ?? 0) <= now) {
        stuck.push(task);
      } else if (
        task.state === 'PENDING' &&
        (options.releaseRunning ||
          now - Date.parse(task.updatedAt) > (options.pendingAfterMillis ?? env.leaseMillis))
      ) {
        stuck.push(task);
      }
    }
    if (stuck.length) {
      env.logger.warn(`re-publishing ${stuck.length} ${run.phase} tasks`, { runId });
      await publishTasks(env, runId, stuck);
      report.republished += stuck.length;
    }
  } while (cursor !== undefined);
  // All done but the phase never flipped (a crash between commit and flip): flip it now.
  await checkBarrier(env, job, runId, run.stage, run.phase);

  if (now - lastActivity > (options.stallMillis ?? DEFAULTS.stallMillis)) {
    report.stalled = true;
    env.logger.error(`run ${runId} made no progress for ${Math.round((now - lastActivity) / 60_000)} min`, {
      runId,
      phase: run.phase,
    });
  }
  return report;
}

export async function sweepAll(env: EngineEnv, options: SweepOptions = {}): Promise<SweepReport[]> {
  const runs: RunRecord[] = await env.state.listRuns({ limit: 1000 });
  const reports: SweepReport[] = [];
  for (const run of runs) if (run.status === 'RUNNING') reports.push(await sweepRun(env, run.runId, options));
  return reports;
}
