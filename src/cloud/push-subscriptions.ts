// Topics and push subscriptions, the "direct Pub/Sub trigger" wiring (no Eventarc): each function
// gets its own push subscription whose endpoint is the function's URL followed by
// /projects/P/topics/T, because functions-framework reads the topic of a raw push body from the
// request path. Terraform builds the same shape in the cloud; the dev cloud builds it on the emulator.

import type { PubSub } from '@google-cloud/pubsub';
import { GRPC, grpcCode } from '../adapters/gcp/backend-errors.ts';

export interface PushSubscription {
  topic: string;
  subscription: string;
  /** The function's base URL, e.g. "http://127.0.0.1:8081". */
  functionUrl: string;
  /** For push, also the HTTP timeout: a request running longer is redelivered (a duplicate). */
  ackDeadlineSeconds: number;
  /** Where a message goes after maxDeliveryAttempts failed deliveries (terraform's dead_letter_policy). */
  deadLetter?: { topic: string; maxDeliveryAttempts: number };
}

export function pushEndpoint(functionUrl: string, projectId: string, topic: string): string {
  return `${functionUrl.replace(/\/+$/, '')}/projects/${projectId}/topics/${topic}`;
}

export async function ensureTopics(pubsub: PubSub, topics: readonly string[]): Promise<void> {
  for (const topic of new Set(topics)) {
    try {
      await pubsub.createTopic(topic);
    } catch (err) {
      if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
    }
  }
}

export async function createPushSubscription(
  pubsub: PubSub,
  projectId: string,
  s: PushSubscription,
): Promise<void> {
  try {
    await pubsub.topic(s.topic).createSubscription(s.subscription, {
      pushConfig: { pushEndpoint: pushEndpoint(s.functionUrl, projectId, s.topic) },
      ackDeadlineSeconds: s.ackDeadlineSeconds,
      retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
      ...(s.deadLetter
        ? {
            deadLetterPolicy: {
              deadLetterTopic: `projects/${projectId}/topics/${s.deadLetter.topic}`,
              maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts,
            },
          }
        : {}),
    });
  } catch (err) {
    if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
  }
}

/** Deletes subscriptions, then topics; missing ones are fine (cleanup must not fail half-way). */
export async function deleteAll(
  pubsub: PubSub,
  subscriptions: readonly string[],
  topics: readonly string[],
): Promise<void> {
  const ignoreMissing = (err: unknown) => {
    if (grpcCode(err) !== GRPC.NOT_FOUND) throw err;
  };
  await Promise.all(
    subscriptions.map((s) =>
      pubsub
        .subscription(s)
        .delete()
        .then(() => undefined, ignoreMissing),
    ),
  );
  await Promise.all(
    [...new Set(topics)].map((t) =>
      pubsub
        .topic(t)
        .delete()
        .then(() => undefined, ignoreMissing),
    ),
  );
}
