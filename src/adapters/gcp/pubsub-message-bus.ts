// PubSubMessageBus: hands work between functions through Pub/Sub topics. Payloads are JSON
// descriptors, never data. The client batches publishes up to Pub/Sub's request limits, and
// publish() resolves only when every message is accepted, because a function that returns
// before its publishes complete loses them when the instance is throttled.

import { PubSub } from '@google-cloud/pubsub';
import type { Topic as PubSubTopic } from '@google-cloud/pubsub';
import { ConfigError } from '../../core/errors.ts';
import type { MessageBus, OutgoingMessage, Topic } from '../../ports/message-bus.ts';
import { TOPICS } from '../../ports/message-bus.ts';
import { backendError } from './backend-errors.ts';

export interface PubSubMessageBusOptions {
  projectId: string;
  /** "host:port" of an emulator, or a regional endpoint. */
  apiEndpoint?: string;
  /** Share a client; when set, projectId/apiEndpoint only name the topics. */
  pubsub?: PubSub;
  /** Real topic names per logical topic; the default is "cloudreduce-<topic>". */
  topics?: Partial<Record<Topic, string>>;
}

/** Pub/Sub's request caps are 1000 messages and 10 MB; the client's hard batch caps stay under them. */
export const PUBLISH_BATCH = { maxMessages: 1000, maxBytes: 9 * 1024 * 1024, maxMilliseconds: 10 } as const;
const MAX_MESSAGE_BYTES = 10 * 1000 * 1000;
const MAX_ATTRIBUTES = 100;
const MAX_ATTRIBUTE_VALUE_BYTES = 1024;

export function defaultTopicNames(prefix = 'cloudreduce'): Record<Topic, string> {
  return Object.fromEntries(TOPICS.map((t) => [t, `${prefix}-${t}`])) as Record<Topic, string>;
}

export class PubSubMessageBus implements MessageBus {
  readonly topicNames: Readonly<Record<Topic, string>>;
  readonly #pubsub: PubSub;
  readonly #topics = new Map<Topic, PubSubTopic>();
  /** A client passed in belongs to the caller, who closes it. */
  readonly #ownsClient: boolean;

  constructor(options: PubSubMessageBusOptions) {
    this.#ownsClient = options.pubsub === undefined;
    this.#pubsub =
      options.pubsub ??
      new PubSub({
        projectId: options.projectId,
        ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
      });
    this.topicNames = { ...defaultTopicNames(), ...options.topics };
  }

  async publish(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]> {
    const target = this.#topic(topic);
    const encoded = messages.map((m, i) => encode(topic, this.topicNames[topic], m, i));
    try {
      return await Promise.all(encoded.map((m) => target.publishMessage(m)));
    } catch (err) {
      throw backendError(err, `Publishing ${messages.length} message(s) to topic ${this.topicNames[topic]}`);
    }
  }

  /** Sends anything still batched and releases the client's connections. */
  async close(): Promise<void> {
    await Promise.all([...this.#topics.values()].map((t) => t.flush()));
    if (this.#ownsClient) await this.#pubsub.close();
  }

  #topic(topic: Topic): PubSubTopic {
    let t = this.#topics.get(topic);
    if (!t) {
      if (!TOPICS.includes(topic)) {
        throw new ConfigError(`Unknown topic "${String(topic)}": it must be one of: ${TOPICS.join(', ')}.`);
      }
      t = this.#pubsub.topic(this.topicNames[topic], { batching: { ...PUBLISH_BATCH } });
      this.#topics.set(topic, t);
    }
    return t;
  }
}

function encode(
  topic: Topic,
  topicName: string,
  message: OutgoingMessage,
  index: number,
): { data: Buffer; attributes?: Record<string, string> } {
  const where = `message ${index} for topic "${topic}" (${topicName})`;
  const json = JSON.stringify(message.data);
  if (json === undefined) throw new ConfigError(`The data of ${where} is not JSON-serialisable.`);
  const data = Buffer.from(json, 'utf8');
  const attributes = message.attributes ?? {};
  const keys = Object.keys(attributes);
  if (keys.length > MAX_ATTRIBUTES) {
    throw new ConfigError(
      `The ${where} has ${keys.length} attributes; Pub/Sub allows at most ${MAX_ATTRIBUTES}.`,
    );
  }
  let size = data.length;
  for (const key of keys) {
    const value = attributes[key]!;
    const valueBytes = Buffer.byteLength(value);
    if (valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) {
      throw new ConfigError(
        `Attribute "${key}" of ${where} is ${valueBytes} bytes; Pub/Sub allows ${MAX_ATTRIBUTE_VALUE_BYTES}. ` +
          'Put large values in the JSON data.',
      );
    }
    size += Buffer.byteLength(key) + valueBytes;
  }
  if (size > MAX_MESSAGE_BYTES) {
    throw new ConfigError(
      `The ${where} is ${size} bytes; Pub/Sub allows ${MAX_MESSAGE_BYTES}. Messages carry descriptors ` +
        '(object names, key ranges), never the data itself.',
    );
  }
  return keys.length ? { data, attributes } : { data };
}
