// Records on the run what a handler used beyond what its task commit recorded: split, finalize,
// the phase barrier's flip and planning, and attempts that lost their commit.

import type { EngineEnv } from './env.ts';
import { messageBytes } from './metered-env.ts';
import type { RunRecord, UsageFunction } from './records.ts';
import type { Topic } from '../ports/message-bus.ts';
import { addUsage, PUBSUB_MIN_BILLED_BYTES, type Usage, type UsageMeter } from './usage.ts';

export const FUNCTION_OF_TOPIC: Record<Topic, UsageFunction> = {
  jobs: 'split',
  map: 'map',
  reduce: 'reduce',
  finalize: 'finalize',
};

/** The push request that delivered the message: one delivery, billed at ≥ 1000 bytes. */
export function countDelivery(
  meter: UsageMeter,
  message: { data: unknown; attributes?: Record<string, string> },
) {
  meter.add('pubsubDelivered');
  meter.add('pubsubBytes', Math.max(PUBSUB_MIN_BILLED_BYTES, messageBytes(message)));
}

/**
 * Adds the unrecorded rest to `run.usage[fn]`. A task handler whose rest is only the barrier's
 * check (two reads, no write, publish or object) records nothing, so a run's record is not written
 * once per task: that check is the one thing the figures leave out.
 */
export async function recordRest(
  env: EngineEnv,
  meter: UsageMeter,
  runId: string,
  topic: Topic,
): Promise<void> {
  const rest = meter.unrecorded();
  const fn = FUNCTION_OF_TOPIC[topic];
  const taskTopic = topic === 'map' || topic === 'reduce';
  const substantial =
    (rest.datastoreWrites ?? 0) + (rest.pubsubPublished ?? 0) + gcs(rest) + (rest.bigqueryLoads ?? 0) > 0;
  if (taskTopic && !substantial) return;
  // The recording transaction counts itself: one lookup, one write.
  const usage = addUsage(rest, { datastoreReads: 1, datastoreWrites: 1 });
  await env.state.updateRun(runId, (run): RunRecord => ({
    ...run,
    usage: { ...run.usage, [fn]: addUsage(run.usage?.[fn], usage) },
  }));
}

function gcs(u: Usage): number {
  return (u.gcsClassA ?? 0) + (u.gcsClassB ?? 0) + (u.gcsFree ?? 0);
}
