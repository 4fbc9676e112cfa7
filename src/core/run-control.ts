// Stopping a run by hand, written once for `cloudreduce abort` and the status pages' abort
// button: RUNNING → ABORTED with the reason; its tasks stop at their next lease renewal.

import type { RunRecord } from './records.ts';

export function abortRun(now: number, by: string) {
  return (run: RunRecord): RunRecord | undefined => {
    if (run.status !== 'RUNNING') return undefined;
    const iso = new Date(now).toISOString();
    return {
      ...run,
      status: 'ABORTED',
      updatedAt: iso,
      finishedAt: iso,
      error: { name: 'Aborted', message: `aborted by the user (${by})` },
    };
  };
}

/**
 * Giving up a FAILED run (`cloudreduce discard`, which then deletes the intermediates it kept for
 * resume): FAILED → ABORTED, the failure kept as the cause, so it is never resumed over missing
 * intermediates. Other states are left as they are.
 */
export function discardRun(now: number, by: string) {
  return (run: RunRecord): RunRecord | undefined => {
    if (run.status !== 'FAILED') return undefined;
    const iso = new Date(now).toISOString();
    const { taskId: _taskId, ...failure } = run.error ?? { name: 'Error', message: 'failed' };
    return {
      ...run,
      status: 'ABORTED',
      updatedAt: iso,
      error: {
        name: 'Aborted',
        message: `discarded by the user (${by}) after it failed`,
        ...(run.error?.taskId ? { taskId: run.error.taskId } : {}),
        cause: failure,
      },
    };
  };
}
