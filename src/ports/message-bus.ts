// MessageBus: how work is handed from one step to the next. Pub/Sub in the cloud; in-process
// locally. Delivery is at least once everywhere, so every consumer is idempotent.

/** The topics the engine publishes to, one per function (see docs/ARCHITECTURE.md). */
export const TOPICS = ['jobs', 'map', 'reduce', 'finalize'] as const;
export type Topic = (typeof TOPICS)[number];

export interface OutgoingMessage {
  /** JSON-serialisable payload; descriptors only, never data (Pub/Sub caps a message at 10 MB). */
  data: unknown;
  attributes?: Record<string, string>;
}

export interface IncomingMessage {
  id: string;
  data: unknown;
  attributes: Record<string, string>;
  /** 1 on the first delivery, when the transport knows it. */
  deliveryAttempt?: number;
  publishTime?: string;
}

export interface MessageBus {
  /** Publishes and resolves only when every message is accepted by the transport. */
  publish(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]>;
}
