// Runs one map or reduce task message under the commit protocol: claim an attempt, work with a
// renewed lease, write only attempt-scoped objects, commit in one transaction, then check the phase
// barrier. Every duplicate, late or stale delivery ends in a no-op, never in a second output.
// A body that stopped at the time budget commits a slice instead and the task goes on in a new
// message, from its checkpoint.

import { checkBarrier } from './barrier.ts';
import { repeatEvery, type EngineEnv } from './env.ts';
import { TransientError, isPermanent, toErrorInfo } from './errors.ts';
import { executeMap } from './map-task.ts';
import type { TaskMessage } from './messages.ts';
import { publishTasks } from './plan.ts';
import type { RunRecord, TaskOutput, TaskRecord } from './records.ts';
import { failRunAndReport } from './run-events.ts';
import { positionOf, type TaskExecution, type TaskResult } from './task-execution.ts';
import { executeReduce } from './reduce-task.ts';
import { markRecorded, usageForWrite } from './usage.ts';
import {
  claimTask,
  commitSlice,
  commitTask,
  committedBy,
  failedBy,
  failTask,
  renewLease,
  sliceAttempts,
  slicedBy,
} from './task-state.ts';

export async function handleTaskMessage(env: EngineEnv, message: TaskMessage): Promise<void> {
  const { runId, taskId } = message;
  // The time budget counts from the delivery: that is when the function's own clock started.
  const started = env.now();
  const log = env.logger.child({ runId, taskId });
  const run = await env.state.getRun(runId);
  if (!run) {
    log.warn('task message for an unknown run; dropping it');
    return;
  }
  if (run.status !== 'RUNNING') return; // finished, failed or aborted: late deliveries are no-ops
  const job = env.jobs.get(run.job);
  const claimed = await env.state.updateTask(
    runId,
    taskId,
    claimTask({
      owner: env.workerId,
      now: env.now(),
      leaseMillis: env.leaseMillis,
      maxAttempts: run.options.maxAttempts,
    }),
  );
  if (!claimed) {
    log.warn('task message for an unknown task; dropping it');
    return;
  }
  const task = claimed.record;
  if (task.state === 'FAILED') {
    // Failed by this claim (every attempt died without reporting), or earlier by an attempt whose
    // run-failure write did not go through: either way the run fails now.
    if (claimed.changed) log.error(`task failed: ${task.error?.message}`, { attempts: sliceAttempts(task) });
    await failRunFor(env, task);
    return;
  }
  if (!claimed.changed) {
    // Done already (a duplicate) or held by a live lease elsewhere. A duplicate of a DONE task also
    // re-runs the barrier, which repairs a crash between commit and phase flip. A live lease may
    // belong to a process that died: it runs out within a lease period and the sweeper re-publishes
    // the task, whose next claim counts that attempt.
    if (task.state === 'DONE') await checkBarrier(env, job, runId, task.stage, task.phase);
    else if (task.state === 'RUNNING')
      log.info(
        `attempt ${task.attempt} holds the task until ${new Date(task.leaseExpiresAt ?? 0).toISOString()}`,
      );
    return;
  }

  const abort = new AbortController();
  const renewEvery = Math.max(50, Math.floor(env.leaseMillis / 3));
  const stopRenewing = repeatEvery(env, renewEvery, () => {
    void keepLease(env, task, abort).catch((err: unknown) =>
      log.warn('lease renewal failed', { error: String(err) }),
    );
  });
  let result: TaskResult;
  try {
    const exec: TaskExecution = { env: { ...env, logger: log }, job, run, task, signal: abort.signal };
    if (env.taskBudgetMillis !== undefined) {
      const limit = started + (env.taskLimitMillis ?? env.taskBudgetMillis);
      exec.slice = { started, deadline: started + env.taskBudgetMillis, limit };
    }
    result = task.phase === 'map' ? await executeMap(exec) : await executeReduce(exec);
  } catch (err) {
    stopRenewing();
    await recordFailure(env, run, task, err);
    return;
  } finally {
    stopRenewing();
  }

  if (result.checkpoint !== undefined) return commitAndContinue(env, task, result);
  const usage = usageForWrite(env.usage);
  const committed = await env.state.updateTask(
    runId,
    taskId,
    commitTask(task.attempt, result.output, result.counters, env.now(), usage),
  );
  // Reaching the state this attempt was moving to is success, also when the store applied the
  // commit, lost the answer and ran the mutator again (it then finds its own write).
  const mine =
    committed?.changed === true || (committed !== undefined && committedBy(committed.record, task.attempt));
  markRecorded(env.usage, usage, mine);
  if (!mine) {
    log.info('another attempt committed first; discarding this attempt', { attempt: task.attempt });
    await discard(env, result.output);
    return;
  }
  await checkBarrier(env, job, runId, task.stage, task.phase, task.index);
}

/** Fails the run of a FAILED task with the task's reason (a no-op when the run has ended). */
async function failRunFor(env: EngineEnv, task: TaskRecord): Promise<void> {
  const error = task.error ?? { name: 'Error', message: `task ${task.taskId} failed` };
  await failRunAndReport(env, task.runId, { ...error, taskId: task.taskId });
}

/**
 * Commits a slice (the task goes back to PENDING with its checkpoint) and publishes the message
 * that continues it. A crash in between leaves a PENDING task that the sweeper re-publishes.
 */
async function commitAndContinue(env: EngineEnv, task: TaskRecord, result: TaskResult): Promise<void> {
  const log = env.logger.child({ runId: task.runId, taskId: task.taskId, attempt: task.attempt });
  const usage = usageForWrite(env.usage);
  const committed = await env.state.updateTask(
    task.runId,
    task.taskId,
    commitSlice(task.attempt, result.output, result.counters, result.checkpoint, env.now(), usage),
  );
  const mine =
    committed?.changed === true || (committed !== undefined && slicedBy(committed.record, task.attempt));
  markRecorded(env.usage, usage, mine);
  if (!mine) {
    log.info('another attempt committed first; discarding this slice');
    await discard(env, result.output);
    return;
  }
  log.info('time budget reached: slice committed, continuing in a new message', {
    slice: committed.record.slices?.length,
  });
  await publishTasks(env, task.runId, [committed.record]);
}

async function keepLease(env: EngineEnv, task: TaskRecord, abort: AbortController): Promise<void> {
  const now = env.now();
  const renewed = await env.state.updateTask(
    task.runId,
    task.taskId,
    renewLease(task.attempt, env.workerId, now + env.leaseMillis, now),
  );
  const run = await env.state.getRun(task.runId);
  if (!renewed?.changed || run?.status !== 'RUNNING')
    abort.abort(new TransientError('task lease lost or run no longer running'));
}

async function recordFailure(env: EngineEnv, run: RunRecord, task: TaskRecord, err: unknown): Promise<void> {
  const log = env.logger.child({ runId: run.runId, taskId: task.taskId, attempt: task.attempt });
  const info = toErrorInfo(err, positionOf(err));
  const current = await env.state.getRun(run.runId);
  if (current?.status !== 'RUNNING') {
    // Aborted or failed elsewhere: this attempt just stops.
    const usage = usageForWrite(env.usage);
    const stopped = await env.state.updateTask(
      task.runId,
      task.taskId,
      failTask(task.attempt, info, true, env.now(), usage),
    );
    markRecorded(env.usage, usage, stopped?.changed);
    return;
  }
  // Attempts count per slice: a long task's earlier slices do not use up its retries.
  const attempts = sliceAttempts(task);
  const final = isPermanent(err) || attempts >= run.options.maxAttempts;
  const usage = usageForWrite(env.usage);
  const updated = await env.state.updateTask(
    task.runId,
    task.taskId,
    failTask(task.attempt, info, final, env.now(), usage),
  );
  // Lost the lease meanwhile (someone else owns the task now), unless the write is our own.
  const mine = updated?.changed === true || (updated !== undefined && failedBy(updated.record, task.attempt));
  markRecorded(env.usage, usage, mine);
  if (!mine) return;
  if (final) {
    log.error(`task failed: ${info.message}`, { error: info, attempts });
    await failRunFor(env, { ...task, error: info });
    return;
  }
  log.warn(`attempt ${attempts} of ${run.options.maxAttempts} failed; retrying: ${info.message}`, {
    position: info.position,
    ...(task.slices ? { slice: task.slices.length } : {}),
  });
  // Throwing makes the transport redeliver the message after its backoff.
  throw new TransientError(`task ${task.taskId} attempt ${task.attempt} failed: ${info.message}`, {
    cause: err,
  });
}

async function discard(env: EngineEnv, output: TaskOutput): Promise<void> {
  const names = [
    output.shuffleObject,
    ...Object.values(output.parts ?? {})
      .flat()
      .map((p) => p.name),
  ];
  for (const name of names) if (name) await env.blobs.delete(name).catch(() => undefined);
}
