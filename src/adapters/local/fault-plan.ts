// Seeded fault injection for the local message bus: which deliveries are duplicated, lost before
// the handler runs, or lose their ack after it ran, and how long each is delayed.
//
// A decision is a pure function of (seed, topic, message content, how many identical messages were
// published before it, delivery attempt), never of timing or of a shared random stream, so a chaos
// run with concurrent workers sees the same faults every time, whatever order they publish in.

import { mulberry32 } from '../../core/prng.ts';
import { ConfigError } from '../../core/errors.ts';

export interface FaultPlan {
  /** Seed of the deterministic PRNG; the same seed injects the same faults. */
  seed?: number;
  /** Deliver the same message (same id) a second time, possibly concurrently. */
  duplicateRate?: number;
  /** Lose a delivery before the handler runs (a nack or a timeout): it is redelivered. */
  failBeforeRate?: number;
  /** Lose the ack after the handler succeeded: it is redelivered, the dangerous case for idempotency. */
  failAfterRate?: number;
  /** Delay each delivery by a random 0..maxDelayMillis. */
  maxDelayMillis?: number;
}

export interface DeliveryFaults {
  delayMillis: number;
  duplicate: boolean;
  duplicateDelayMillis: number;
  failBefore: boolean;
  failAfter: boolean;
}

const NO_FAULTS: DeliveryFaults = {
  delayMillis: 0,
  duplicate: false,
  duplicateDelayMillis: 0,
  failBefore: false,
  failAfter: false,
};

export { mulberry32 };

/** FNV-1a over the UTF-16 code units of a string. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class FaultInjector {
  readonly #plan: Required<FaultPlan>;
  readonly #active: boolean;
  /** How many messages with a given content hash were published so far. */
  readonly #published = new Map<number, number>();

  constructor(plan: FaultPlan = {}) {
    this.#plan = {
      seed: plan.seed ?? 1,
      duplicateRate: checkRate('duplicateRate', plan.duplicateRate),
      failBeforeRate: checkRate('failBeforeRate', plan.failBeforeRate),
      failAfterRate: checkRate('failAfterRate', plan.failAfterRate),
      maxDelayMillis: plan.maxDelayMillis ?? 0,
    };
    if (!(Number.isFinite(this.#plan.maxDelayMillis) && this.#plan.maxDelayMillis >= 0)) {
      throw new ConfigError(
        `faults.maxDelayMillis must be a number >= 0; got ${plan.maxDelayMillis}. Use 0 for no delay.`,
      );
    }
    const { duplicateRate, failBeforeRate, failAfterRate, maxDelayMillis } = this.#plan;
    this.#active = duplicateRate + failBeforeRate + failAfterRate + maxDelayMillis > 0;
  }

  /** A key identifying one published message for `decide`; call once per publish. */
  keyFor(topic: string, content: string): string {
    const contentHash = hash32(`${topic}\n${content}`);
    const ordinal = this.#published.get(contentHash) ?? 0;
    this.#published.set(contentHash, ordinal + 1);
    return `${contentHash}:${ordinal}`;
  }

  decide(key: string, deliveryAttempt: number): DeliveryFaults {
    if (!this.#active) return NO_FAULTS;
    const { seed, duplicateRate, failBeforeRate, failAfterRate, maxDelayMillis } = this.#plan;
    const random = mulberry32(hash32(`${key}:${deliveryAttempt}`, seed));
    // Always draw in the same order so each decision depends only on its own position.
    return {
      delayMillis: Math.floor(random() * maxDelayMillis),
      duplicate: random() < duplicateRate,
      duplicateDelayMillis: Math.floor(random() * maxDelayMillis),
      failBefore: random() < failBeforeRate,
      failAfter: random() < failAfterRate,
    };
  }
}

function checkRate(name: string, rate: number | undefined): number {
  if (rate === undefined) return 0;
  if (!(rate >= 0 && rate <= 1)) {
    throw new ConfigError(`faults.${name} must be a probability between 0 and 1; got ${rate}.`);
  }
  return rate;
}
