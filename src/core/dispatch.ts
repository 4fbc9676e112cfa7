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
import { meteredEnv } from './metered-env.ts';
import { countDelivery, recordRest } from './run-usage.ts';
import { UsageMeter } from './usage.ts';

export type Outcome = 'ack' | 'ack-failed';

export async function dispatch(plain: EngineEnv, topic: Topic, message: IncomingMessage): Promise<Outcome> {
  // What this message's handler uses is counted, recorded by the task commit or on the run.
  const meter = new UsageMeter(plain.now);
  countDelivery(meter, message);
  const env = meteredEnv(plain, meter);
  let runId = (message.data as { runId?: unknown } | null)?.runId;
  try {
    switch (topic) {
      case 'jobs':
        runId = await handleJobMessage(env, message.data, { messageId: message.id });
        break;
      case 'map':
      case 'reduce':
        await handleTaskMessage(env, parseTaskMessage(message.data));
        break;
      case 'finalize':
        await handleFinalizeMessage(env, parseFinalizeMessage(message.data));
        break;
    }
    if (typeof runId === 'string') {
      // Only bookkeeping: a failure to record it must not redeliver work that is done.
      await recordRest(plain, meter, runId, topic).catch((err: unknown) =>
        plain.logger.warn('could not record the usage on the run', { runId, error: String(err) }),
      );
    }
    return 'ack';
  } catch (err) {
    if (!isPermanent(err)) throw err;
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
