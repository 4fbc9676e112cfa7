// The sweeper: the safety net that makes "hung without an error" impossible. For a RUNNING run it
// re-publishes whatever should be moving and is not — tasks whose lease expired or whose message
// was lost, a phase flip whose publish was lost, a stage stuck in planning — and flags runs with no
// progress for too long. It runs on a schedule in the cloud and on a timer (and on resume) locally.

import { checkBarrier } from './barrier.ts';
import { DEFAULTS } from './defaults.ts';
import type { EngineEnv } from './env.ts';
import { isPermanent, toErrorInfo } from './errors.ts';
import type { Job } from './job.ts';
import { planOrFail, publishTasks } from './plan.ts';
import type { TaskRecord } from './records.ts';
import { failRunAndReport, RUN_EVENTS } from './run-events.ts';
import { releaseTask } from './task-state.ts';

/** Task records the sweeper holds at once. */
const SWEEP_PAGE = 250;
/** Run records sweepAll holds at once. */
const RUN_PAGE = 100;
/** Stalled run ids a sweep summary names; the rest are counted (and each is logged). */
const STALLED_IDS_KEPT = 20;

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
  /** Set when sweeping this run failed (the sweep went on with the other runs). */
  error?: string;
}

export async function sweepRun(
  env: EngineEnv,
  runId: string,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const report: SweepReport = { runId, republished: 0, stalled: false };
  const run = await env.state.getRun(runId);
  if (!run || run.status !== 'RUNNING') return report;
  let job: Job;
  try {
    job = env.jobs.get(run.job);
  } catch (err) {
    // The job was undeployed (or renamed) under a running run: nothing can run it any more.
    if (!isPermanent(err)) throw err;
    await failRunAndReport(env, runId, { ...toErrorInfo(err), taskId: 'sweeper' });
    return report;
  }
  const now = env.now();

  if (run.phase === 'split') {
    await planOrFail(env, job, run, run.stage);
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
      if (task.state === 'FAILED') {
        // The task failed for good but the write that fails its run did not go through.
        const error = task.error ?? { name: 'Error', message: `task ${task.taskId} failed` };
        await failRunAndReport(env, runId, { ...error, taskId: task.taskId });
        return report;
      }
      if (task.state === 'DONE') continue;
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
      event: RUN_EVENTS.stalled,
      runId,
      job: run.job,
      phase: run.phase,
    });
  }
  return report;
}

export interface SweepSummary {
  /** RUNNING runs swept. */
  runs: number;
  republished: number;
  /** Runs flagged for making no progress (each is logged as it is found). */
  stalled: number;
  /** The first STALLED_IDS_KEPT of them, for the tick's summary line. */
  stalledRunIds: string[];
  /** Runs whose sweep threw (each is logged; the next tick tries again). */
  errors: number;
}

/**
 * Sweeps every RUNNING run, whatever the number of runs: it walks them a page at a time and keeps
 * only counts, so its memory is bounded by a constant (the cloud sweeper is a 256 MiB function).
 */
export async function sweepAll(env: EngineEnv, options: SweepOptions = {}): Promise<SweepSummary> {
  const summary: SweepSummary = { runs: 0, republished: 0, stalled: 0, stalledRunIds: [], errors: 0 };
  let cursor: string | undefined;
  do {
    const page = await env.state.listRunsPage(
      { status: 'RUNNING' },
      cursor === undefined ? { limit: RUN_PAGE } : { limit: RUN_PAGE, cursor },
    );
    cursor = page.cursor;
    for (const run of page.runs) {
      summary.runs++;
      // One run that cannot be swept (its store calls fail, its state is odd) never stops the
      // repair of the others: its error is logged and counted, and the next tick tries it again.
      try {
        const report = await sweepRun(env, run.runId, options);
        summary.republished += report.republished;
        if (report.stalled) {
          summary.stalled++;
          if (summary.stalledRunIds.length < STALLED_IDS_KEPT) summary.stalledRunIds.push(run.runId);
        }
      } catch (err) {
        const info = toErrorInfo(err);
        env.logger.error(`sweeping run ${run.runId} failed: ${info.message}`, {
          runId: run.runId,
          error: info,
        });
        summary.errors++;
      }
    }
  } while (cursor !== undefined);
  return summary;
}
