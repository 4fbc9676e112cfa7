// How the local bus holds a published message: frozen as JSON at publish time (so publishers cannot
// change it later and each delivery gets its own copy), with Pub/Sub's size limit enforced.

import { ConfigError } from '../../core/errors.ts';
import type { IncomingMessage, OutgoingMessage, Topic } from '../../ports/message-bus.ts';

/** Pub/Sub's limit on one message; the local bus enforces it so oversized messages fail early. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface Envelope {
  topic: Topic;
  id: string;
  /** `{ data, attributes }` as JSON: each delivery parses its own copy. */
  json: string;
  publishTime: string;
  faultKey: string;
}

/** Validates one outgoing message and freezes it as JSON; errors say which message and why. */
export function serialise(topic: Topic, message: OutgoingMessage, index: number): string {
  const where = `Message ${index} for topic "${topic}"`;
  for (const [key, value] of Object.entries(message.attributes ?? {})) {
    if (typeof value !== 'string') {
      throw new ConfigError(
        `${where} has attribute "${key}" of type ${typeof value}; attributes must be strings.`,
      );
    }
  }
  let json: string;
  try {
    json = JSON.stringify({ data: message.data, attributes: message.attributes ?? {} });
  } catch (err) {
    throw new ConfigError(
      `${where} is not JSON-serialisable: ${(err as Error).message}. Send plain JSON data.`,
      {
        cause: err,
      },
    );
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new ConfigError(
      `${where} is ${bytes} bytes; Pub/Sub allows at most ${MAX_MESSAGE_BYTES}. ` +
        'Put descriptors (object names, offsets) in messages, never the data itself.',
    );
  }
  return json;
}

/** A fresh copy of the message for one delivery, so handlers cannot affect each other. */
export function incoming(envelope: Envelope, attempt: number): IncomingMessage {
  const { data, attributes } = JSON.parse(envelope.json) as {
    data: unknown;
    attributes: Record<string, string>;
  };
  return { id: envelope.id, data, attributes, deliveryAttempt: attempt, publishTime: envelope.publishTime };
}
