// The task state machine as pure mutators (DESIGN.md, commit protocol steps 2 and 4). Stores run them
// inside a transaction; keeping them pure makes every store behave the same and makes them testable.
//
//   PENDING ──claim──► RUNNING ──commit (same attempt)──► DONE
//      ▲ ▲               │  ├──commit a slice at the time budget──► PENDING (+ slice, checkpoint)
//      │ └─lease expired─┘  ├──fail, attempts left──► PENDING
//      └────────────────────┘  └──fail, permanent or last attempt──► FAILED
//   a claim beyond maxAttempts (every earlier attempt died without reporting) ──► FAILED
//
// Attempts are counted when they are claimed, so the limit holds whatever kills a process.
// Every transition records which attempt made it, so an attempt whose write applied but whose
// answer was lost (an ambiguous commit, retried) recognises its own write as success.

import { endAttempt, startAttempt } from './attempt-history.ts';
import type { ErrorInfo } from './errors.ts';
import type { Counters, RunRecord, TaskOutput, TaskRecord } from './records.ts';
import { addUsage, type Usage } from './usage.ts';

export interface Claim {
  owner: string;
  now: number;
  leaseMillis: number;
  /** Claims per slice; a claim beyond it fails the task instead (its attempts all died). */
  maxAttempts?: number;
}

export function claimable(task: TaskRecord, now: number): boolean {
  if (task.state === 'PENDING') return true;
  return task.state === 'RUNNING' && (task.leaseExpiresAt ?? 0) <= now;
}

export function claimTask({ owner, now, leaseMillis, maxAttempts }: Claim) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (!claimable(task, now)) return undefined;
    const iso = new Date(now).toISOString();
    const used = sliceAttempts(task);
    if (maxAttempts !== undefined && used >= maxAttempts) {
      const { leaseOwner: _o, leaseExpiresAt: _l, ...rest } = task;
      const message =
        task.state === 'RUNNING'
          ? `attempt ${task.attempt} died without reporting (process killed: out of memory or timeout?); ` +
            `all ${used} of ${maxAttempts} attempts are used`
          : `all ${used} of ${maxAttempts} attempts are used`;
      return {
        ...rest,
        state: 'FAILED',
        error: {
          name: 'AttemptsExhausted',
          message: `${message}. Resume the run (cloudreduce resume) once the cause is fixed, or raise maxAttempts.`,
          ...(task.error?.position ? { position: task.error.position } : {}),
        },
        failedAttempt: task.attempt,
        failures: (task.failures ?? 0) + 1,
        updatedAt: iso,
        finishedAt: iso,
        // The dead attempt's open timeline entry ends here, marked failed.
        ...endAttempt(task, task.attempt, 'failed', now, message),
      };
    }
    return {
      ...task,
      state: 'RUNNING',
      attempt: task.attempt + 1,
      leaseOwner: owner,
      leaseExpiresAt: now + leaseMillis,
      startedAt: task.startedAt ?? iso,
      updatedAt: iso,
      ...startAttempt(task, task.attempt + 1, owner, now),
    };
  };
}

/** Extends the lease while the same attempt still holds the task. */
export function renewLease(attempt: number, owner: string, until: number, now: number) {
  return (task: TaskRecord): TaskRecord | undefined =>
    task.state === 'RUNNING' && task.attempt === attempt && task.leaseOwner === owner
      ? { ...task, leaseExpiresAt: until, updatedAt: new Date(now).toISOString() }
      : undefined;
}

/** The final commit: the task is DONE; its counters add to those of its earlier slices. */
export function commitTask(
  attempt: number,
  output: TaskOutput,
  counters: Counters,
  now: number,
  usage?: Usage,
) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'RUNNING' || task.attempt !== attempt) return undefined;
    const iso = new Date(now).toISOString();
    const { leaseOwner: _o, leaseExpiresAt: _l, checkpoint: _c, ...rest } = task;
    return {
      ...rest,
      state: 'DONE',
      committedAttempt: attempt,
      output,
      counters: sumCounters([task.counters, counters]),
      finishedAt: iso,
      updatedAt: iso,
      ...endAttempt(task, attempt, 'done', now),
      ...withUsage(task, usage),
    };
  };
}

/**
 * A slice commit at the time budget: what this attempt did is committed as one more slice, the
 * lease is released (PENDING), and the next claim continues from `checkpoint`.
 */
export function commitSlice(
  attempt: number,
  output: TaskOutput,
  counters: Counters,
  checkpoint: unknown,
  now: number,
  usage?: Usage,
) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'RUNNING' || task.attempt !== attempt) return undefined;
    const { leaseOwner: _o, leaseExpiresAt: _l, ...rest } = task;
    return {
      ...rest,
      state: 'PENDING',
      slices: [...(task.slices ?? []), { attempt, output, counters }],
      attemptsFrom: attempt,
      checkpoint,
      counters: sumCounters([task.counters, counters]),
      updatedAt: new Date(now).toISOString(),
      ...endAttempt(task, attempt, 'slice', now),
      ...withUsage(task, usage),
    };
  };
}

/** Attempts at the current slice: the claims that count since the last slice commit (≤ maxAttempts). */
export function sliceAttempts(task: TaskRecord): number {
  return task.attempt - Math.max(task.attemptsFrom ?? 0, task.slices?.at(-1)?.attempt ?? 0);
}

/** This attempt's commit is the one recorded (it may have applied although its answer was lost). */
export function committedBy(task: TaskRecord, attempt: number): boolean {
  return task.state === 'DONE' && task.committedAttempt === attempt;
}

/** This attempt's slice commit is recorded (its answer may have been lost). */
export function slicedBy(task: TaskRecord, attempt: number): boolean {
  return task.slices?.some((slice) => slice.attempt === attempt) ?? false;
}

/** This attempt's failure is recorded: FAILED by it, or given back for a retry by it. */
export function failedBy(task: TaskRecord, attempt: number): boolean {
  return task.failedAttempt === attempt && (task.state === 'FAILED' || task.attempt === attempt);
}

/**
 * Records a failed attempt. `final` makes the task FAILED (permanent error or attempts used up);
 * otherwise it goes back to PENDING for a retry.
 */
export function failTask(attempt: number, error: ErrorInfo, final: boolean, now: number, usage?: Usage) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'RUNNING' || task.attempt !== attempt) return undefined;
    const iso = new Date(now).toISOString();
    const { leaseOwner: _o, leaseExpiresAt: _l, ...rest } = task;
    return {
      ...rest,
      state: final ? 'FAILED' : 'PENDING',
      error,
      failedAttempt: attempt,
      failures: (task.failures ?? 0) + 1,
      updatedAt: iso,
      ...(final ? { finishedAt: iso } : {}),
      ...endAttempt(task, attempt, final ? 'failed' : 'retry', now, error.message),
      ...withUsage(task, usage),
    };
  };
}

/**
 * Gives a RUNNING task back (its worker is known to be gone, e.g. on `cloudreduce resume` after
 * the process was killed): that attempt was stopped, not failed, so it does not count.
 */
export function releaseTask(now: number) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'RUNNING') return undefined;
    const { leaseOwner: _o, leaseExpiresAt: _l, ...rest } = task;
    const from = task.attempt - sliceAttempts(task);
    return {
      ...rest,
      state: 'PENDING',
      attemptsFrom: from + 1,
      updatedAt: new Date(now).toISOString(),
      ...endAttempt(task, task.attempt, 'released', now),
    };
  };
}

/** A FAILED task starts over when its run is resumed: committed slices kept, a fresh attempt budget. */
export function retryTask(now: number) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'FAILED') return undefined;
    const { finishedAt: _f, ...rest } = task;
    return { ...rest, state: 'PENDING', attemptsFrom: task.attempt, updatedAt: new Date(now).toISOString() };
  };
}

/** Run-level failure: the first failing task wins and is recorded; later ones change nothing. */
export function failRun(error: RunRecord['error'], now: number) {
  return (run: RunRecord): RunRecord | undefined => {
    if (run.status !== 'RUNNING') return undefined;
    const iso = new Date(now).toISOString();
    return error === undefined
      ? { ...run, status: 'FAILED', updatedAt: iso, finishedAt: iso }
      : { ...run, status: 'FAILED', error, updatedAt: iso, finishedAt: iso };
  };
}

function withUsage(task: TaskRecord, usage: Usage | undefined): Pick<TaskRecord, 'usage'> {
  return usage ? { usage: addUsage(task.usage, usage) } : {};
}

export function sumCounters(all: readonly (Counters | undefined)[]): Counters {
  const total: Counters = {};
  for (const counters of all) {
    for (const [name, n] of Object.entries(counters ?? {})) total[name] = (total[name] ?? 0) + n;
  }
  return total;
}
