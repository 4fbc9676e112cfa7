// The one wrapper every CloudEvent function goes through: decode the Pub/Sub event, hand it to the
// core, and map the outcome onto what Pub/Sub understands. functions-framework answers 204 (ack)
// when the handler resolves and 500 (nack → redelivery) when it rejects, so:
//   - success, and permanent failure already recorded on the run ('ack-failed'): resolve;
//   - a message that cannot be decoded at all: log it and resolve; no retry can fix it;
//   - a transient error, or a function that cannot start (bad config): reject, so the message is
//     redelivered — after a fix and redeploy the backlog drains instead of being dropped.
// Nothing escapes as an unhandled rejection: the returned promise carries every outcome, and the
// framework kills the whole instance (and its other requests) on an unhandled one.

import type { CloudEvent } from '@google-cloud/functions-framework';
import { dispatch, type Outcome } from '../core/dispatch.ts';
import type { EngineEnv } from '../core/env.ts';
import { toErrorInfo } from '../core/errors.ts';
import type { LogFields, Logger } from '../core/logger.ts';
import type { IncomingMessage, Topic } from '../ports/message-bus.ts';
import { processCloudEnv } from './engine-env.ts';
import { CLOUD_FUNCTIONS } from './functions.ts';
import { createJsonLogger } from './json-logger.ts';
import { decodePubSubEvent, topicOf } from './pubsub-event.ts';
import { functionProject, traceFields } from './trace.ts';

export type MessageHandler = (env: EngineEnv, message: IncomingMessage) => Promise<Outcome>;
export type CloudEventHandler = (event: CloudEvent<unknown>) => Promise<void>;

export interface WrapOptions {
  /** The engine environment; default: built once per process from process.env. */
  env?: () => Promise<EngineEnv>;
  /** Logs problems met before an env exists (undecodable events, bad config). */
  logger?: Logger;
  /** The project for the trace field of log entries; default: from the function's environment. */
  project?: string;
}

const defaultEnv = async (): Promise<EngineEnv> => (await processCloudEnv()).env;

/** The entry of the split/map/reduce/finalize functions: `ff.cloudEvent(name, wrap(topic))`. */
export function wrap(topic: Topic, options: WrapOptions = {}): CloudEventHandler {
  const name = CLOUD_FUNCTIONS.find((f) => f.trigger === topic)?.name ?? topic;
  return wrapHandler(name, (env, message) => dispatch(env, topic, message), options);
}

export function wrapHandler(
  name: string,
  handler: MessageHandler,
  options: WrapOptions = {},
): CloudEventHandler {
  const getEnv = options.env ?? defaultEnv;
  const bootLogger = options.logger ?? createJsonLogger('INFO');
  return async (event) => {
    const decoded = decodePubSubEvent(event);
    const source = topicOf(event);
    if (!decoded.ok) {
      bootLogger.error(`${name}: dropping an event that is not a Pub/Sub message: ${decoded.reason}`, {
        function: name,
        eventId: (event as { id?: unknown } | undefined)?.id,
        ...(source ? { topic: source } : {}),
      });
      return;
    }
    const message = decoded.message;
    // Entries about this delivery join its trace in Cloud Logging when the request carried one.
    const trace = traceFields(options.project ?? functionProject(), {
      traceparent: (event as { traceparent?: string }).traceparent,
    });
    const labels = { ...labelsOf(name, message, source), ...trace };

    let env: EngineEnv;
    try {
      env = await getEnv();
    } catch (err) {
      const info = toErrorInfo(err);
      bootLogger.error(`${name} cannot start, so the message will be redelivered: ${info.message}`, {
        ...labels,
        error: info,
      });
      throw new Error(`${name} is not configured correctly: ${info.message}`, { cause: err });
    }

    const logger = env.logger.child(labels);
    const started = Date.now();
    try {
      const outcome = await handler({ ...env, logger }, message);
      logger.debug(`${name} handled message ${message.id}: ${outcome}`, { millis: Date.now() - started });
    } catch (err) {
      const info = toErrorInfo(err);
      logger.warn(`${name} failed on message ${message.id}; it will be redelivered: ${info.message}`, {
        error: info,
        millis: Date.now() - started,
        ...(message.deliveryAttempt ? { deliveryAttempt: message.deliveryAttempt } : {}),
      });
      throw err instanceof Error ? err : new Error(info.message);
    }
  };
}

function labelsOf(name: string, message: IncomingMessage, topic: string | undefined): LogFields {
  const data = typeof message.data === 'object' && message.data !== null ? (message.data as LogFields) : {};
  const labels: LogFields = { function: name, messageId: message.id };
  if (topic) labels.topic = topic;
  for (const key of ['runId', 'taskId', 'job', 'stage'] as const) {
    const value = data[key] ?? message.attributes[key];
    if (typeof value === 'string' || typeof value === 'number') labels[key] = value;
  }
  return labels;
}
