// What may go wrong at one port call, and how often. A profile is drawn per seed; each call draws
// its own fault from the scheduler's one random stream, so a seed reproduces every fault.

import type { Scheduler } from './scheduler.ts';

export type CallFault =
  | 'none'
  /** The handler dies before the call takes effect. */
  | 'crash-before'
  /** The call takes effect, then the handler dies before it hears back. */
  | 'crash-after'
  /** Applied, but the caller gets an error (UNAVAILABLE / DEADLINE_EXCEEDED / INTERNAL). */
  | 'ambiguous'
  /** Applied, then the client library retried it: the caller sees the second attempt's answer. */
  | 'ambiguous-retried'
  /** Not applied, an error returned. */
  | 'transient'
  /** The call hangs past the lease; the process is frozen meanwhile (its lease renewals stop). */
  | 'slow';

export interface FaultProfile {
  name: string;
  crashBefore: number;
  crashAfter: number;
  ambiguous: number;
  transient: number;
  slow: number;
  /** Per published message: lost, delivered twice. */
  lose: number;
  duplicate: number;
  /** Deliveries are delayed by up to this, so messages overtake each other. */
  maxDelayMillis: number;
}

const quiet: FaultProfile = {
  name: 'fault-free',
  crashBefore: 0,
  crashAfter: 0,
  ambiguous: 0,
  transient: 0,
  slow: 0,
  lose: 0,
  duplicate: 0,
  maxDelayMillis: 50,
};

export const PROFILES: readonly FaultProfile[] = [
  quiet,
  { ...quiet, name: 'messages', lose: 0.1, duplicate: 0.3, maxDelayMillis: 20_000 },
  {
    ...quiet,
    name: 'calls',
    crashBefore: 0.01,
    crashAfter: 0.01,
    ambiguous: 0.02,
    transient: 0.02,
    slow: 0.005,
    maxDelayMillis: 2_000,
  },
  {
    name: 'everything',
    crashBefore: 0.01,
    crashAfter: 0.01,
    ambiguous: 0.02,
    transient: 0.02,
    slow: 0.01,
    lose: 0.08,
    duplicate: 0.25,
    maxDelayMillis: 30_000,
  },
  {
    name: 'ambiguous',
    crashBefore: 0,
    crashAfter: 0.005,
    ambiguous: 0.08,
    transient: 0.01,
    slow: 0,
    lose: 0.02,
    duplicate: 0.1,
    maxDelayMillis: 5_000,
  },
];

export const FAULT_FREE = quiet;

export function drawFault(sched: Scheduler, profile: FaultProfile, write: boolean): CallFault {
  const r = sched.random();
  let edge = profile.crashBefore;
  if (r < edge) return 'crash-before';
  if (r < (edge += profile.crashAfter)) return 'crash-after';
  if (write && r < (edge += profile.ambiguous / 2)) return 'ambiguous';
  if (write && r < (edge += profile.ambiguous / 2)) return 'ambiguous-retried';
  if (r < (edge += profile.transient)) return 'transient';
  if (r < (edge += profile.slow)) return 'slow';
  return 'none';
}
