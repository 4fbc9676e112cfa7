// The deadLetter function's handler: a message Pub/Sub moved to the dead-letter topic (after a
// subscription's max_delivery_attempts) → the core's handleDeadLetter, which fails the message's
// run unless its work got done another way. Pub/Sub republishes the dead message with its data and
// attributes and adds its own attributes saying where it gave up; the original message id and the
// last error are not kept.

import { handleDeadLetter, type DeadLetter } from '../core/dead-letter.ts';
import type { IncomingMessage } from '../ports/message-bus.ts';
import type { MessageHandler } from './function-wrapper.ts';

/** Attributes Pub/Sub adds to a dead-lettered message. */
export const DEAD_LETTER_ATTRIBUTES = {
  deliveries: 'CloudPubSubDeadLetterSourceDeliveryCount',
  subscription: 'CloudPubSubDeadLetterSourceSubscription',
  project: 'CloudPubSubDeadLetterSourceSubscriptionProject',
  publishTime: 'CloudPubSubDeadLetterSourceTopicPublishTime',
} as const;

export function deadLetterOf(message: IncomingMessage): DeadLetter {
  const a = message.attributes;
  const deliveries = Number(a[DEAD_LETTER_ATTRIBUTES.deliveries]);
  const subscription = a[DEAD_LETTER_ATTRIBUTES.subscription];
  const published = a[DEAD_LETTER_ATTRIBUTES.publishTime];
  const source = subscription
    ? `subscription ${subscription}${published ? `, first published ${published}` : ''}`
    : undefined;
  return {
    messageId: message.id,
    data: message.data,
    ...(source ? { source } : {}),
    ...(Number.isInteger(deliveries) && deliveries > 0 ? { deliveries } : {}),
  };
}

/** Acks once the run's fate is recorded; a state-store failure is thrown, so Pub/Sub redelivers. */
export const deadLetterHandler: MessageHandler = async (env, message) => {
  const outcome = await handleDeadLetter(env, deadLetterOf(message));
  return outcome === 'failed-run' ? 'ack-failed' : 'ack';
};
