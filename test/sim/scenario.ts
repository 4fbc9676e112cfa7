// A seed becomes a scenario: a fault profile, a job (built-in or generated) with its inputs and
// options, maybe a time budget that slices every task, maybe a file that lands while the run plans,
// maybe a task that kills its process on every attempt (then cured and the run resumed), maybe a
// second run that is bad (its planning fails, its job is undeployed) and must not hold the first up.

import type { Job } from '../../src/core/job.ts';
import { mulberry32 } from '../../src/core/prng.ts';
import type { JobMessage } from '../../src/core/messages.ts';
import { FAULT_FREE, PROFILES, type FaultProfile } from './faults.ts';
import { OTHER_JOBS, TEXT_JOBS, simSquares } from './sim-jobs.ts';
import type { WorldConfig } from './world.ts';

export type Companion = 'none' | 'good' | 'no-input' | 'undeployed';

export interface Scenario {
  seed: number;
  profile: FaultProfile;
  job: Job;
  message: JobMessage;
  files: Record<string, string>;
  /** A file that lands at this virtual time (a listing that changes between two planners). */
  lateFile?: { uri: string; text: string; atMillis: number };
  duplicateJobMessage: boolean;
  taskBudgetMillis?: number;
  /** EngineEnv.reduceTaskBytes: 1 gives one reduce task per partition (default: one for all). */
  reduceTaskBytes?: number;
  /** EngineEnv.reduceFanIn: a small one merges in passes. */
  reduceFanIn?: number;
  /** Map task index whose every attempt kills its process. */
  poison?: number;
  /** Cure the poison and resume the failed run. */
  resume: boolean;
  companion: Companion;
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'pi', 'rho', 'tau', 'omega'];

export function scenarioOf(seed: number): Scenario {
  const r = mulberry32(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const job = pick([...TEXT_JOBS, ...OTHER_JOBS]);
  const text = TEXT_JOBS.includes(job);
  const files: Record<string, string> = {};
  if (text) {
    const n = 1 + Math.floor(r() * 3);
    for (let f = 0; f < n; f++) {
      const lines = Array.from({ length: 2 + Math.floor(r() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(WORDS)).join(' '),
      );
      files[`in/f${f}.txt`] = `${lines.join('\n')}\n`;
    }
  }
  const poison = r() < 0.15 ? 0 : undefined;
  const message: JobMessage = {
    job: job.name,
    // Now and then a wide stage: hundreds of map tasks, so as many parts for finalize to publish.
    shards: r() < 0.1 ? 20 + Math.floor(r() * 300) : 1 + Math.floor(r() * 5),
    partitions: 1 + Math.floor(r() * 3),
    maxAttempts: poison === undefined ? 8 : 2 + Math.floor(r() * 2),
  };
  // Scheduled messages carry no runId: the run id then comes from the transport's message id.
  if (r() < 0.7) message.runId = `run-${seed}`;
  if (text) message.inputs = ['in/*.txt'];
  const scenario: Scenario = {
    seed,
    profile: pick(PROFILES),
    job,
    message,
    files,
    duplicateJobMessage: r() < 0.3,
    resume: poison !== undefined && r() < 0.7,
    companion: pick(['none', 'none', 'good', 'no-input', 'undeployed'] as const),
  };
  if (poison !== undefined) scenario.poison = poison;
  if (text && r() < 0.3)
    scenario.lateFile = {
      uri: 'in/late.txt',
      text: 'late words land here\n',
      atMillis: Math.floor(r() * 3_000),
    };
  // Slicing at (nearly) every record and key: a job of 400 records then commits hundreds of
  // slices, and its finalize publishes hundreds of parts (resumably: finalize-checkpoint.ts).
  if (r() < 0.25) scenario.taskBudgetMillis = Math.floor(r() * 40);
  // Drawn last, so the scenarios of earlier seeds (and the regressions kept by seed) stay the same:
  // now and then a reduce per partition, and a fan-in small enough for merge passes under faults.
  if (r() < 0.3) scenario.reduceTaskBytes = 1;
  if (r() < 0.3) scenario.reduceFanIn = 2 + Math.floor(r() * 4);
  return scenario;
}

export function worldConfig(s: Scenario, profile: FaultProfile = s.profile): WorldConfig {
  return {
    seed: s.seed,
    profile,
    leaseMillis: 30_000,
    sweepEveryMillis: 60_000,
    maxTicks: 240,
    concurrentSweeper: profile === FAULT_FREE ? 0 : 0.3,
    ...(s.taskBudgetMillis !== undefined ? { taskBudgetMillis: s.taskBudgetMillis } : {}),
    ...(s.reduceTaskBytes !== undefined ? { reduceTaskBytes: s.reduceTaskBytes } : {}),
    ...(s.reduceFanIn !== undefined ? { reduceFanIn: s.reduceFanIn } : {}),
  };
}

export function describeScenario(s: Scenario): string {
  const bits = [
    `job ${s.job.name}`,
    `profile ${s.profile.name}`,
    `shards ${s.message.shards}`,
    `partitions ${s.message.partitions}`,
    `maxAttempts ${s.message.maxAttempts}`,
    s.message.runId ? `runId ${s.message.runId}` : 'no runId',
  ];
  if (s.duplicateJobMessage) bits.push('job message twice');
  if (s.lateFile) bits.push(`a file lands at ${s.lateFile.atMillis} ms`);
  if (s.taskBudgetMillis !== undefined) bits.push(`task budget ${s.taskBudgetMillis} ms`);
  if (s.reduceTaskBytes !== undefined) bits.push('a reduce task per partition');
  if (s.reduceFanIn !== undefined) bits.push(`merge fan-in ${s.reduceFanIn}`);
  if (s.poison !== undefined)
    bits.push(`map task ${s.poison} kills its process${s.resume ? ', then cured and resumed' : ''}`);
  if (s.companion !== 'none') bits.push(`second run: ${s.companion}`);
  return bits.join(', ');
}

/** The companion run's job: a small good one, or one meant to fail in planning. */
export const COMPANION_JOB = simSquares;
