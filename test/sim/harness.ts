// Small helpers for tests that drive one world by hand: a fault-free world with the simulator's
// jobs, a job message delivered like Cloud Scheduler's, a script of faults for chosen calls, and the
// records of an ndjson output.

import type { Job } from '../../src/core/job.ts';
import type { JobMessage } from '../../src/core/messages.ts';
import type { RunRecord } from '../../src/core/records.ts';
import { FAULT_FREE, type CallFault } from './faults.ts';
import type { Proc } from './scheduler.ts';
import { ALL_JOBS, simUndeployed } from './sim-jobs.ts';
import { World } from './world.ts';

export function quietWorld(extraJobs: readonly Job[] = [], seed = 7): World {
  return new World(
    {
      seed,
      profile: FAULT_FREE,
      leaseMillis: 30_000,
      sweepEveryMillis: 60_000,
      maxTicks: 60,
      concurrentSweeper: 0,
    },
    [...ALL_JOBS, simUndeployed, ...extraJobs],
  );
}

/** Delivers a job message once at `atMillis`; returns its message id. */
export function send(world: World, message: JobMessage, atMillis = 0): string {
  const id = world.nextMessageId();
  world.deliverJob({ id, data: message, attributes: {} }, atMillis);
  return id;
}

/** Injects `fault` at the n-th call (1-based) matching `match`, once. */
export function faultAt(
  world: World,
  fault: CallFault,
  match: (proc: Proc, op: string, label: string) => boolean,
  n = 1,
): { fired: () => boolean } {
  let seen = 0;
  const previous = world.gate.script;
  world.gate.script = (proc, op, label) => {
    if (match(proc, op, label) && ++seen === n) return fault;
    return previous?.(proc, op, label);
  };
  return { fired: () => seen >= n };
}

export function ndjsonRecords(world: World, run: RunRecord | undefined, output: string): unknown[] {
  const files = run?.stages.flatMap((s) => s.outputs?.[output]?.files ?? []) ?? [];
  return files.flatMap((f) =>
    (world.blobs.objects.get(f)?.data.toString('utf8') ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown),
  );
}
