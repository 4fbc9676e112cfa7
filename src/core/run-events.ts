// Log entries that say a run ended badly or needs a look. Alerting is built on them (terraform/
// alerts.tf: log-based metrics filter on jsonPayload.event), so `event` and its values are a
// stable contract: change them only together with the metrics. Each is logged once per run and
// cause — by the worker whose transaction moved the run to FAILED/REJECTED, by each sweep that
// finds the run stalled — with the run id and job as labels.

import type { EngineEnv } from './env.ts';
import type { RunRecord } from './records.ts';
import { failRun } from './task-state.ts';

export const RUN_EVENTS = {
  failed: 'run-failed',
  rejected: 'run-rejected',
  stalled: 'run-stalled',
} as const;

/**
 * Marks a RUNNING run FAILED with `error`; the one writer that changes it logs `run-failed`.
 * True when this call ended the run.
 */
export async function failRunAndReport(
  env: EngineEnv,
  runId: string,
  error: NonNullable<RunRecord['error']>,
): Promise<boolean> {
  const result = await env.state.updateRun(runId, failRun(error, env.now()));
  if (!result?.changed) return false; // already ended (aborted, failed by another task): said already
  const run = result.record;
  env.logger.error(`run ${runId} of job ${run.job} FAILED: ${error.message}`, {
    event: RUN_EVENTS.failed,
    runId,
    job: run.job,
    ...(error.taskId ? { failedTask: error.taskId } : {}),
    error,
  });
  return true;
}
