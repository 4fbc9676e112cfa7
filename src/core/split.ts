// The entry of a run: a job message becomes a RUNNING run record (created once, whatever the
// number of deliveries) and its first stage is planned. A message that cannot be run is recorded
// as a REJECTED run with the reason, and acknowledged: it must never loop in retries.

import { randomBytes } from 'node:crypto';
import { DEFAULTS, LIMITS } from './defaults.ts';
import type { EngineEnv } from './env.ts';
import { ConfigError, toErrorInfo } from './errors.ts';
import type { Job } from './job.ts';
import { parseJobMessage, validRunId, type JobMessage } from './messages.ts';
import { resolveParams } from './params.ts';
import { planStage } from './plan.ts';
import type { RunOptions, RunRecord } from './records.ts';

/** A sortable, readable run id: job, UTC time, random suffix. */
export function newRunId(job: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase();
  const safeJob =
    job
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40) || 'job';
  return `${safeJob}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface JobMessageMeta {
  /** Transport message id; makes the run id deterministic when the message carries none. */
  messageId?: string;
}

export async function handleJobMessage(
  env: EngineEnv,
  data: unknown,
  meta: JobMessageMeta = {},
): Promise<string> {
  const now = env.now();
  let message: JobMessage | undefined;
  let run: RunRecord;
  try {
    message = parseJobMessage(data);
    run = buildRun(env.jobs.get(message.job), message, now, meta);
    const jobModule = env.jobs.moduleOf(run.job);
    if (jobModule) run.jobModule = jobModule;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return reject(env, data, message, meta, err, now);
  }
  const created = await env.state.insertRun(run);
  const current = created ? run : await env.state.getRun(run.runId);
  if (!current) throw new Error(`run ${run.runId} vanished after insert`);
  if (current.status === 'RUNNING' && current.phase === 'split') {
    await planStage(env, env.jobs.get(current.job), current, current.stage);
  }
  if (created)
    env.logger.info(`run ${run.runId} of job ${run.job} started`, { runId: run.runId, job: run.job });
  return run.runId;
}

/** The run record a job message starts (params resolved, options bounded); throws a ConfigError. */
export function buildRun(job: Job, m: JobMessage, now: number, meta: JobMessageMeta = {}): RunRecord {
  const runId =
    m.runId ??
    (meta.messageId
      ? `${job.name}-m${meta.messageId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 100)
      : newRunId(job.name, now));
  const iso = new Date(now).toISOString();
  const options: RunOptions = {
    partitions: bounded(
      'partitions',
      m.partitions ?? firstDefined(job, 'partitions') ?? DEFAULTS.partitions,
      LIMITS.maxPartitions,
    ),
    memoryBudgetBytes:
      m.memoryBudgetBytes ?? firstDefined(job, 'memoryBudgetBytes') ?? DEFAULTS.memoryBudgetBytes,
    maxAttempts: m.maxAttempts ?? job.maxAttempts ?? DEFAULTS.maxAttempts,
  };
  if (options.memoryBudgetBytes < LIMITS.minMemoryBudgetBytes) {
    throw new ConfigError(
      `memoryBudgetBytes ${options.memoryBudgetBytes} is too small; use at least ${LIMITS.minMemoryBudgetBytes}.`,
    );
  }
  if (m.shards !== undefined) options.shards = bounded('shards', m.shards, LIMITS.maxShards);
  if (m.inputs?.length) options.inputs = m.inputs;
  const run: RunRecord = {
    runId,
    job: job.name,
    params: resolveParams(job.name, job.params, m.params ?? {}, new Date(now)),
    options,
    status: 'RUNNING',
    stage: 0,
    phase: 'split',
    stages: job.stages.map((s) => ({ name: s.name })),
    createdAt: iso,
    updatedAt: iso,
  };
  if (m.origin) run.origin = m.origin;
  return run;
}

function firstDefined(job: Job, field: 'partitions' | 'memoryBudgetBytes'): number | undefined {
  for (const s of job.stages) {
    const v = (s.def as unknown as Record<string, unknown>)[field];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

function bounded(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}; got ${value}.`);
  }
  return value;
}

async function reject(
  env: EngineEnv,
  data: unknown,
  m: JobMessage | undefined,
  meta: JobMessageMeta,
  err: ConfigError,
  now: number,
): Promise<string> {
  const job =
    m?.job ??
    (typeof (data as { job?: unknown })?.job === 'string'
      ? String((data as { job: string }).job)
      : 'unknown');
  const safe =
    job
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40) || 'unknown';
  // The runId the sender asked for, when it is a valid one, even if the rest of the message is not:
  // whoever waits for that run (`cloudreduce run`, `submit`'s status hint) then finds the reason.
  const asked = (data as { runId?: unknown } | undefined)?.runId;
  const runId =
    m?.runId ??
    (typeof asked === 'string' && validRunId(asked) ? asked : undefined) ??
    (meta.messageId
      ? `rejected-${safe}-m${meta.messageId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 100)
      : newRunId(`rejected-${safe}`, now));
  const iso = new Date(now).toISOString();
  await env.state.insertRun({
    runId,
    job,
    params: {},
    options: { partitions: 0, memoryBudgetBytes: 0, maxAttempts: 0 },
    status: 'REJECTED',
    stage: 0,
    phase: 'split',
    stages: [],
    createdAt: iso,
    updatedAt: iso,
    finishedAt: iso,
    error: toErrorInfo(err),
  });
  env.logger.error(`job message rejected: ${err.message}`, { runId, job });
  return runId;
}
