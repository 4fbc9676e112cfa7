// A message the transport gave up on (Pub/Sub moved it to the dead-letter topic after
// max_delivery_attempts; the local bus after its own limit). Its work will never be done by that
// message, so unless the work got done another way, the run is failed with the reason, the task
// and the message: a run always ends. Idempotent: the decision is taken from the stored state, and
// failing a run that is no longer RUNNING changes nothing, so a redelivered dead letter is a no-op.

import type { EngineEnv } from './env.ts';
import type { ErrorInfo } from './errors.ts';
import type { RunRecord } from './records.ts';
import { failRunAndReport } from './run-events.ts';

export interface DeadLetter {
  /** The dead-lettered message's id, as the transport names it. */
  messageId: string;
  /** Its payload, as it was published: a job, task or finalize message. */
  data: unknown;
  /** Where the transport gave up, for people: "subscription cloudreduce-map-push", "topic map". */
  source?: string;
  /** Deliveries before it gave up, when known. */
  deliveries?: number;
  /** The last delivery's error, when the transport knows it (the local bus does; Pub/Sub does not). */
  lastError?: ErrorInfo;
}

export type DeadLetterOutcome =
  | 'failed-run' // the run was RUNNING and its work was undone: now FAILED with the reason
  | 'run-ended' // the run had already ended (or was failed by an earlier delivery of this letter)
  | 'work-done' // another delivery did the work (the task is DONE, the stage moved on)
  | 'no-run'; // the message names no run that exists: logged, nothing to fail

export async function handleDeadLetter(env: EngineEnv, letter: DeadLetter): Promise<DeadLetterOutcome> {
  const data = (typeof letter.data === 'object' && letter.data !== null ? letter.data : {}) as Record<
    string,
    unknown
  >;
  const runId = typeof data.runId === 'string' ? data.runId : undefined;
  const what = describe(data);
  const log = env.logger.child({
    deadLetterMessageId: letter.messageId,
    ...(runId ? { runId } : {}),
    ...(typeof data.taskId === 'string' ? { taskId: data.taskId } : {}),
  });
  const run = runId === undefined ? undefined : await env.state.getRun(runId);
  if (!run) {
    log.error(
      `dead letter ${letter.messageId} (${what}) names no run that exists; nothing to fail. ` +
        `Its payload: ${JSON.stringify(letter.data)?.slice(0, 300)}`,
      { ...(letter.source ? { source: letter.source } : {}) },
    );
    return 'no-run';
  }
  if (run.status !== 'RUNNING') return 'run-ended';
  if (await workDone(env, run, data)) {
    log.info(`dead letter ${letter.messageId} (${what}): the work was done by another delivery`);
    return 'work-done';
  }
  const error = deadLetterError(letter, data, what, run);
  // failRunAndReport logs the run-failed event that alerting counts.
  return (await failRunAndReport(env, run.runId, error)) ? 'failed-run' : 'run-ended';
}

/** Whether what the message asked for has happened anyway, so failing the run would be wrong. */
async function workDone(env: EngineEnv, run: RunRecord, data: Record<string, unknown>): Promise<boolean> {
  if (typeof data.taskId === 'string') {
    const task = await env.state.getTask(run.runId, data.taskId);
    return task?.state === 'DONE';
  }
  if (typeof data.stage === 'number') {
    // A finalize message: its stage was finalized if the run moved past it.
    return run.stage > data.stage || (run.stage === data.stage && run.phase !== 'finalize');
  }
  // A job message: planning is done once the run left stage 0's split phase.
  return !(run.stage === 0 && run.phase === 'split');
}

function describe(data: Record<string, unknown>): string {
  if (typeof data.taskId === 'string') return `the message of task ${data.taskId}`;
  if (typeof data.stage === 'number') return `the finalize message of stage ${data.stage}`;
  if (typeof data.job === 'string') return `the job message of ${data.job}`;
  return 'a message of unknown shape';
}

function deadLetterError(
  letter: DeadLetter,
  data: Record<string, unknown>,
  what: string,
  run: RunRecord,
): NonNullable<RunRecord['error']> {
  const after = letter.deliveries === undefined ? '' : ` after ${letter.deliveries} deliveries`;
  const from = letter.source ? ` (${letter.source})` : '';
  const last = letter.lastError
    ? ` The last delivery failed with ${letter.lastError.name}: ${letter.lastError.message}.`
    : ' Pub/Sub does not keep the error; the function logs of the failing deliveries have it.';
  const error: NonNullable<RunRecord['error']> = {
    name: 'DeadLetterError',
    message:
      `The transport gave up on ${what}${after}${from}; it was dead-lettered as message ` +
      `${letter.messageId} and its work was never done.${last} Fix the cause, then resume run ` +
      `${run.runId} (cloudreduce resume) or run the job again.`,
  };
  if (typeof data.taskId === 'string') error.taskId = data.taskId;
  if (letter.lastError?.stack) error.stack = letter.lastError.stack;
  if (letter.lastError?.position) error.position = letter.lastError.position;
  return error;
}
