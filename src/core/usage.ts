// What a run used, counted where the requests are made (metered-env.ts wraps the ports) and
// recorded with the state it belongs to: a task's usage on its commit (or its failure), the
// split's, the phase barrier's and finalize's on the run. prices.ts turns it into money.

/** Counts of billed operations and function time. Every field is a sum; absent means 0. */
export interface Usage {
  /** Wall time of handlers (delivery to ack), the function time that is billed. */
  millis?: number;
  /** Messages handed to this code by the transport (one push request each). */
  pubsubDelivered?: number;
  pubsubPublished?: number;
  /** Pub/Sub throughput as billed: every publish request and push at least 1000 bytes. */
  pubsubBytes?: number;
  /** Cloud Storage writes and listings (uploads, list pages). */
  gcsClassA?: number;
  /** Cloud Storage reads (downloads, ranged reads, metadata). */
  gcsClassB?: number;
  /** Deletes: free, counted so the request total is complete. */
  gcsFree?: number;
  datastoreReads?: number;
  datastoreWrites?: number;
  bigqueryLoads?: number;
}

export type UsageKind = keyof Usage;

export const USAGE_KINDS: readonly UsageKind[] = [
  'millis',
  'pubsubDelivered',
  'pubsubPublished',
  'pubsubBytes',
  'gcsClassA',
  'gcsClassB',
  'gcsFree',
  'datastoreReads',
  'datastoreWrites',
  'bigqueryLoads',
];

export function addUsage(...all: readonly (Usage | undefined)[]): Usage {
  const total: Usage = {};
  for (const usage of all) {
    for (const kind of USAGE_KINDS) {
      const n = usage?.[kind];
      if (n) total[kind] = (total[kind] ?? 0) + n;
    }
  }
  return total;
}

/** Pub/Sub bills each publish request and each push at no less than 1000 bytes. */
export const PUBSUB_MIN_BILLED_BYTES = 1000;

/**
 * Counts what one handler invocation uses. `recorded` is how much of it is already written to the
 * state (a task commit), so whatever is left can be recorded elsewhere (the run).
 */
export class UsageMeter {
  readonly #started: number;
  readonly #now: () => number;
  readonly counts: Usage = {};
  #recorded: Usage = {};

  constructor(now: () => number) {
    this.#now = now;
    this.#started = now();
  }

  add(kind: UsageKind, n = 1): void {
    if (n) this.counts[kind] = (this.counts[kind] ?? 0) + n;
  }

  /** Everything so far, with the time since the handler started. */
  snapshot(): Usage {
    return addUsage(this.counts, { millis: this.#now() - this.#started });
  }

  /** Marks `usage` (a snapshot) as recorded; `unrecorded` then leaves it out. */
  markRecorded(usage: Usage): void {
    this.#recorded = addUsage(this.#recorded, usage);
  }

  unrecorded(): Usage {
    const now = this.snapshot();
    const rest: Usage = {};
    for (const kind of USAGE_KINDS) {
      const n = (now[kind] ?? 0) - (this.#recorded[kind] ?? 0);
      if (n > 0) rest[kind] = n;
    }
    return rest;
  }
}

/**
 * What a state write records about the handler so far: the meter's counts plus that write's own
 * transaction (one lookup, one write), which the meter counts only once the write is under way.
 */
export function usageForWrite(meter: UsageMeter | undefined): Usage | undefined {
  return meter ? addUsage(meter.snapshot(), { datastoreReads: 1, datastoreWrites: 1 }) : undefined;
}

/** After a write that carried `usage` went through: the meter leaves it out of what is left. */
export function markRecorded(meter: UsageMeter | undefined, usage: Usage | undefined, written = true): void {
  if (meter && usage && written) meter.markRecorded(usage);
}
