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
