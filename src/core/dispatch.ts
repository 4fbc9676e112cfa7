// The one ack/retry policy, shared by the local runtime and the cloud functions: a handler that
// succeeds acks; a permanent failure (bad message, bad config, NonRetryableError) is recorded on
// the run and acked, so it never loops; anything else is rethrown so the transport redelivers.

import type { EngineEnv } from './env.ts';
import { isPermanent, toErrorInfo } from './errors.ts';
import { handleFinalizeMessage } from './finalize.ts';
import { parseFinalizeMessage, parseTaskMessage } from './messages.ts';
import type { IncomingMessage, Topic } from '../ports/message-bus.ts';
import { failRunAndReport } from './run-events.ts';
import { handleJobMessage } from './split.ts';
import { handleTaskMessage } from './task-runner.ts';

export type Outcome = 'ack' | 'ack-failed';

export async function dispatch(env: EngineEnv, topic: Topic, message: IncomingMessage): Promise<Outcome> {
  try {
    switch (topic) {
      case 'jobs':
        await handleJobMessage(env, message.data, { messageId: message.id });
        break;
      case 'map':
      case 'reduce':
        await handleTaskMessage(env, parseTaskMessage(message.data));
        break;
      case 'finalize':
        await handleFinalizeMessage(env, parseFinalizeMessage(message.data));
        break;
    }
    return 'ack';
  } catch (err) {
    if (!isPermanent(err)) throw err;
    const runId = (message.data as { runId?: unknown } | null)?.runId;
    const info = toErrorInfo(err);
    env.logger.error(`${topic} message failed permanently: ${info.message}`, {
      topic,
      messageId: message.id,
      runId,
      error: info,
    });
    if (typeof runId === 'string') await failRunAndReport(env, runId, { ...info, taskId: `${topic}` });
    return 'ack-failed';
  }
}
