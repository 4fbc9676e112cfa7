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
import { planOrFail } from './plan.ts';
import { RUN_EVENTS } from './run-events.ts';
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
  // A redelivered message finds its own run; a message for another job under a taken run id must
  // not be dropped without a word (nor join the other job's run).
  if (!created && current.job !== run.job) {
    const taken = new ConfigError(
      `run id "${run.runId}" already belongs to a run of job ${current.job} (${current.status}, created ` +
        `${current.createdAt}); a job message for ${run.job} cannot reuse it. Send it with another ` +
        'runId, or without one to get a new id.',
    );
    return reject(env, data, message, meta, taken, now);
  }
  if (current.status === 'RUNNING' && current.phase === 'split') {
    await planOrFail(env, env.jobs.get(current.job), current, current.stage);
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
  const record: RunRecord = {
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
  };
  let recorded = runId;
  if (!(await env.state.insertRun(record))) {
    const existing = await env.state.getRun(runId);
    // The same rejected message delivered again: recorded already, and said already.
    if (existing?.status === 'REJECTED' && existing.job === job) return runId;
    // The id it asked for is taken by another run: the rejection is kept beside it, findable by
    // listing runs (`cloudreduce status`), and says which id it asked for.
    recorded = takenIdRejection(runId, meta, now);
    await env.state.insertRun({ ...record, runId: recorded });
  }
  env.logger.error(`job message rejected: ${err.message}`, {
    event: RUN_EVENTS.rejected,
    runId: recorded,
    job,
    ...(recorded !== runId ? { askedRunId: runId } : {}),
  });
  return recorded;
}

function takenIdRejection(runId: string, meta: JobMessageMeta, now: number): string {
  const suffix = meta.messageId
    ? `m${meta.messageId.toLowerCase().replace(/[^a-z0-9]/g, '')}`
    : randomBytes(3).toString('hex') + String(now % 1000);
  return `${runId.slice(0, 100 - suffix.length - 10)}-rejected-${suffix}`.slice(0, 100);
}
