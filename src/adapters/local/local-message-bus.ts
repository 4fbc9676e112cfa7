// LocalMessageBus: the in-process MessageBus of the local embedded mode, with the delivery
// semantics of a Pub/Sub push subscription: at least once, no ordering, handlers of one topic run
// concurrently, a failed delivery is retried with exponential backoff and dead-lettered after
// maxDeliveries. A seeded FaultPlan adds duplicates, lost deliveries and lost acks, so local chaos
// tests exercise the same idempotency paths the cloud does.

import { ConfigError, TransientError, toErrorInfo } from '../../core/errors.ts';
import type { ErrorInfo } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';
import type { IncomingMessage, MessageBus, OutgoingMessage, Topic } from '../../ports/message-bus.ts';
import { FaultInjector } from './fault-plan.ts';
import type { DeliveryFaults, FaultPlan } from './fault-plan.ts';
import { incoming, serialise } from './message-envelope.ts';
import type { Envelope } from './message-envelope.ts';

export type { FaultPlan } from './fault-plan.ts';
export type MessageHandler = (message: IncomingMessage) => Promise<void>;
export type DeadLetterListener = (topic: Topic, message: IncomingMessage, error: ErrorInfo) => void;

export interface LocalMessageBusOptions {
  /** Deliveries before a message is dead-lettered (Pub/Sub's max_delivery_attempts). Default 10. */
  maxDeliveries?: number;
  /** Delay before the first redelivery, doubling per failed delivery. Default 100. */
  initialBackoffMillis?: number;
  /** Cap of the redelivery delay. Default 10 s. */
  maxBackoffMillis?: number;
  faults?: FaultPlan;
  logger?: Logger;
}

export interface DeadLetter {
  topic: Topic;
  message: IncomingMessage;
  error: ErrorInfo;
}

/** What the bus did, for tests that must prove their faults really happened. */
export interface DeliveryStats {
  deliveries: number;
  duplicates: number;
  lostBeforeHandler: number;
  lostAcks: number;
  redeliveries: number;
}

export class LocalMessageBus implements MessageBus {
  readonly stats: DeliveryStats = {
    deliveries: 0,
    duplicates: 0,
    lostBeforeHandler: 0,
    lostAcks: 0,
    redeliveries: 0,
  };
  readonly #maxDeliveries: number;
  readonly #initialBackoffMillis: number;
  readonly #maxBackoffMillis: number;
  readonly #faults: FaultInjector;
  readonly #logger: Logger;
  readonly #handlers = new Map<Topic, MessageHandler>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #deadLetterListeners: DeadLetterListener[] = [];
  #idleWaiters: (() => void)[] = [];
  /** Scheduled deliveries plus running handlers; idle when zero. */
  #outstanding = 0;
  #nextId = 1;
  #closed = false;

  constructor(options: LocalMessageBusOptions = {}) {
    this.#maxDeliveries = options.maxDeliveries ?? 10;
    this.#initialBackoffMillis = options.initialBackoffMillis ?? 100;
    this.#maxBackoffMillis = options.maxBackoffMillis ?? 10_000;
    if (!(Number.isSafeInteger(this.#maxDeliveries) && this.#maxDeliveries >= 1)) {
      throw new ConfigError(`maxDeliveries must be an integer >= 1; got ${options.maxDeliveries}.`);
    }
    if (!(this.#initialBackoffMillis >= 0 && this.#maxBackoffMillis >= this.#initialBackoffMillis)) {
      throw new ConfigError(
        `Backoff must satisfy 0 <= initialBackoffMillis <= maxBackoffMillis; got ` +
          `${this.#initialBackoffMillis} and ${this.#maxBackoffMillis} (defaults 100 and 10000).`,
      );
    }
    this.#faults = new FaultInjector(options.faults);
    this.#logger = options.logger ?? silentLogger;
  }

  subscribe(topic: Topic, handler: MessageHandler): void {
    if (this.#handlers.has(topic)) {
      throw new ConfigError(
        `Topic "${topic}" already has a subscriber; the local bus delivers each topic to one handler, ` +
          'like one push subscription. Subscribe once and dispatch inside the handler.',
      );
    }
    this.#handlers.set(topic, handler);
  }

  async publish(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]> {
    if (this.#closed) {
      throw new ConfigError(`Cannot publish to topic "${topic}": the local message bus is closed.`);
    }
    if (!this.#handlers.has(topic)) {
      throw new ConfigError(
        `No subscriber for topic "${topic}": messages would be lost. ` +
          `Call bus.subscribe('${topic}', handler) before publishing to it.`,
      );
    }
    // Validate the whole batch first so a bad message publishes nothing, like a rejected request.
    const envelopes = messages.map((message, i) => ({ topic, json: serialise(topic, message, i) }));
    const publishTime = new Date().toISOString();
    return envelopes.map(({ json }) => {
      const id = String(this.#nextId++);
      const faultKey = this.#faults.keyFor(topic, json);
      this.#schedule({ topic, id, json, publishTime, faultKey }, 1, 0);
      return id;
    });
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get deadLetters(): readonly DeadLetter[] {
    return [...this.#deadLetters];
  }

  onDeadLetter(listener: DeadLetterListener): void {
    this.#deadLetterListeners.push(listener);
  }

  /** Stops delivering and drops scheduled deliveries; handlers already running may finish. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) {
      clearTimeout(timer);
      this.#settle();
    }
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  #schedule(envelope: Envelope, attempt: number, backoffMillis: number): void {
    if (this.#closed) return;
    const faults = this.#faults.decide(envelope.faultKey, attempt);
    this.#after(backoffMillis + faults.delayMillis, () => this.#deliver(envelope, attempt, faults));
  }

  #deliver(envelope: Envelope, attempt: number, faults: DeliveryFaults): void {
    this.stats.deliveries++;
    if (attempt > 1) this.stats.redeliveries++;
    if (faults.duplicate) {
      this.stats.duplicates++;
      this.#after(faults.duplicateDelayMillis, () => this.#track(this.#runDuplicate(envelope, attempt)));
    }
    if (faults.failBefore) {
      this.stats.lostBeforeHandler++;
      this.#failed(
        envelope,
        attempt,
        new TransientError('Delivery lost before the handler ran (injected fault).'),
      );
      return;
    }
    this.#track(this.#run(envelope, attempt, faults.failAfter));
  }

  async #run(envelope: Envelope, attempt: number, loseAck: boolean): Promise<void> {
    try {
      await this.#handlers.get(envelope.topic)!(incoming(envelope, attempt));
    } catch (err) {
      this.#failed(envelope, attempt, err);
      return;
    }
    if (loseAck) {
      this.stats.lostAcks++;
      this.#failed(
        envelope,
        attempt,
        new TransientError('Ack lost after the handler succeeded (injected fault).'),
      );
    }
  }

  /** A duplicate's outcome is ignored: the original delivery decides whether to retry. */
  async #runDuplicate(envelope: Envelope, attempt: number): Promise<void> {
    try {
      await this.#handlers.get(envelope.topic)!(incoming(envelope, attempt));
    } catch (err) {
      this.#logger.debug('Duplicate delivery failed; the original delivery decides on retries', {
        topic: envelope.topic,
        messageId: envelope.id,
        error: toErrorInfo(err),
      });
    }
  }

  #failed(envelope: Envelope, attempt: number, err: unknown): void {
    if (this.#closed) return;
    const labels = { topic: envelope.topic, messageId: envelope.id, deliveryAttempt: attempt };
    if (attempt < this.#maxDeliveries) {
      const backoff = Math.min(this.#initialBackoffMillis * 2 ** (attempt - 1), this.#maxBackoffMillis);
      this.#logger.debug(`Delivery failed; redelivering in ${backoff} ms`, {
        ...labels,
        error: toErrorInfo(err),
      });
      this.#schedule(envelope, attempt + 1, backoff);
      return;
    }
    const error = toErrorInfo(err);
    const message = incoming(envelope, attempt);
    this.#deadLetters.push({ topic: envelope.topic, message, error });
    this.#logger.error(
      `Message ${envelope.id} on topic "${envelope.topic}" dead-lettered after ${attempt} deliveries: ${error.message}`,
      { ...labels, error },
    );
    for (const listener of this.#deadLetterListeners) {
      try {
        listener(envelope.topic, incoming(envelope, attempt), error);
      } catch (listenerErr) {
        this.#logger.error('A dead-letter listener threw', { ...labels, error: toErrorInfo(listenerErr) });
      }
    }
  }

  /** Runs `work` after `delayMillis`, counted as outstanding until it has started its own work. */
  #after(delayMillis: number, work: () => void): void {
    this.#outstanding++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        work();
      } finally {
        this.#settle();
      }
    }, delayMillis);
    this.#timers.add(timer);
  }

  #track(promise: Promise<void>): void {
    this.#outstanding++;
    this.#inFlight.add(promise);
    void promise.finally(() => {
      this.#inFlight.delete(promise);
      this.#settle();
    });
  }

  #settle(): void {
    this.#outstanding--;
    if (this.#outstanding > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
