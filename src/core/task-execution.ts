// What a task body (map or reduce) receives and returns, and how it tags an error with the input
// position it happened at. Kept apart from task-runner.ts so the bodies don't import their runner.

import type { EngineEnv } from './env.ts';
import type { SliceWindow } from './slice-clock.ts';
import type { Job } from './job.ts';
import type { Counters, RunRecord, TaskOutput, TaskRecord } from './records.ts';

export interface TaskResult {
  output: TaskOutput;
  counters: Counters;
  /** Set when the body stopped at its time budget: where the next slice starts (TaskRecord.checkpoint). */
  checkpoint?: unknown;
}

export interface TaskExecution {
  env: EngineEnv;
  job: Job;
  run: RunRecord;
  task: TaskRecord;
  signal: AbortSignal;
  /**
   * When the body ends its slice at the next record or key it can resume from, having done at
   * least one (SliceClock); undefined: no budget, run to the end.
   */
  slice?: SliceWindow;
}

const POSITION = Symbol.for('cloudreduce.position');

/** Marks an error with the input position it happened at ("data/a.txt:120"). */
export function atPosition(err: unknown, position: string): unknown {
  if (typeof err === 'object' && err !== null && !(POSITION in err)) {
    Object.defineProperty(err, POSITION, { value: position, enumerable: false });
  }
  return err;
}

export function positionOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null
    ? ((err as Record<symbol, string>)[POSITION] ?? undefined)
    : undefined;
}
