// The three message shapes on the bus, validated at the edge: a malformed message is a ConfigError
// (acked and recorded as a rejected run), never an endless retry.

import { ConfigError } from './errors.ts';

/** Published by Cloud Scheduler, `cloudreduce submit` or `cloudreduce run`; starts a run. */
export interface JobMessage {
  job: string;
  params?: Record<string, unknown>;
  /** Deterministic id for at-least-once delivery; generated from the message id when absent. */
  runId?: string;
  shards?: number;
  partitions?: number;
  memoryBudgetBytes?: number;
  maxAttempts?: number;
  inputs?: string[];
  origin?: string;
}

/** One map or reduce task; the descriptor lives on the task record, not in the message. */
export interface TaskMessage {
  runId: string;
  taskId: string;
}

export interface FinalizeMessage {
  runId: string;
  stage: number;
}

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;

export function validRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}

export function parseJobMessage(data: unknown): JobMessage {
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (err) {
      throw new ConfigError(
        `Job message is not JSON (${(err as Error).message}). Send e.g. {"job":"wordcount","params":{}}.`,
      );
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('Job message must be a JSON object like {"job":"wordcount","params":{}}.');
  }
  const m = data as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = [
    'job',
    'params',
    'runId',
    'shards',
    'partitions',
    'memoryBudgetBytes',
    'maxAttempts',
    'inputs',
    'origin',
  ];
  for (const key of Object.keys(m))
    if (!allowed.includes(key)) problems.push(`unknown field "${key}" (allowed: ${allowed.join(', ')})`);
  if (typeof m.job !== 'string' || m.job === '') problems.push('"job" must be a job name');
  if (
    m.params !== undefined &&
    (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
  ) {
    problems.push('"params" must be an object of name → value');
  }
  if (m.runId !== undefined && (typeof m.runId !== 'string' || !validRunId(m.runId))) {
    problems.push('"runId" must be 1-100 lowercase letters, digits or dashes');
  }
  for (const field of ['shards', 'partitions', 'memoryBudgetBytes', 'maxAttempts'] as const) {
    const v = m[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))
      problems.push(`"${field}" must be a positive integer`);
  }
  if (m.inputs !== undefined && (!Array.isArray(m.inputs) || m.inputs.some((p) => typeof p !== 'string'))) {
    problems.push('"inputs" must be a list of paths or globs');
  }
  if (m.origin !== undefined && typeof m.origin !== 'string') problems.push('"origin" must be a string');
  if (problems.length) throw new ConfigError(`Invalid job message: ${problems.join('; ')}.`);
  return m as unknown as JobMessage;
}

export function parseTaskMessage(data: unknown): TaskMessage {
  const m = data as Partial<TaskMessage> | null;
  if (!m || typeof m.runId !== 'string' || typeof m.taskId !== 'string') {
    throw new ConfigError(
      `Invalid task message ${JSON.stringify(data)?.slice(0, 200)}: expected {"runId","taskId"}.`,
    );
  }
  return { runId: m.runId, taskId: m.taskId };
}

export function parseFinalizeMessage(data: unknown): FinalizeMessage {
  const m = data as Partial<FinalizeMessage> | null;
  if (!m || typeof m.runId !== 'string' || typeof m.stage !== 'number') {
    throw new ConfigError(
      `Invalid finalize message ${JSON.stringify(data)?.slice(0, 200)}: expected {"runId","stage"}.`,
    );
  }
  return { runId: m.runId, stage: m.stage };
}
