// Minimal valid run and task records for store tests. Deterministic: timestamps derive from inputs.

import type { RunRecord, TaskPhase, TaskRecord } from '../../src/core/records.ts';
import { taskId } from '../../src/core/records.ts';

const EPOCH = Date.UTC(2026, 0, 1);

/** A RUNNING run; `minute` orders runs by createdAt (larger is newer). */
export function makeRun(runId: string, minute = 0, overrides: Partial<RunRecord> = {}): RunRecord {
  const createdAt = new Date(EPOCH + minute * 60_000).toISOString();
  return {
    runId,
    job: 'wordcount',
    params: {},
    options: { shards: 2, partitions: 2, memoryBudgetBytes: 1 << 20, maxAttempts: 3 },
    status: 'RUNNING',
    stage: 0,
    phase: 'map',
    stages: [{ name: 'count' }],
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** A PENDING task with attempt 0. */
export function makeTask(
  runId: string,
  stage: number,
  phase: TaskPhase,
  index: number,
  overrides: Partial<TaskRecord> = {},
): TaskRecord {
  const createdAt = new Date(EPOCH).toISOString();
  return {
    runId,
    taskId: taskId(stage, phase, index),
    stage,
    phase,
    index,
    state: 'PENDING',
    attempt: 0,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
