// The task state machine as pure mutators (DESIGN.md, commit protocol steps 2 and 4). Stores run them
// inside a transaction; keeping them pure makes every store behave the same and makes them testable.
//
//   PENDING ──claim──► RUNNING ──commit (same attempt)──► DONE
//      ▲ ▲               │  ├──commit a slice at the time budget──► PENDING (+ slice, checkpoint)
//      │ └─lease expired─┘  ├──fail, attempts left──► PENDING
//      └────────────────────┘  └──fail, permanent or last attempt──► FAILED

import { endAttempt, startAttempt } from './attempt-history.ts';
import type { ErrorInfo } from './errors.ts';
import type { Counters, RunRecord, TaskOutput, TaskRecord } from './records.ts';
import { addUsage, type Usage } from './usage.ts';

export interface Claim {
  owner: string;
  now: number;
  leaseMillis: number;
}

export function claimable(task: TaskRecord, now: number): boolean {
  if (task.state === 'PENDING') return true;
  return task.state === 'RUNNING' && (task.leaseExpiresAt ?? 0) <= now;
}

export function claimTask({ owner, now, leaseMillis }: Claim) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (!claimable(task, now)) return undefined;
    const iso = new Date(now).toISOString();
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
      checkpoint,
      counters: sumCounters([task.counters, counters]),
      updatedAt: new Date(now).toISOString(),
      ...endAttempt(task, attempt, 'slice', now),
      ...withUsage(task, usage),
    };
  };
}

/** Attempts at the current slice: the claims since the last slice commit (maxAttempts bounds these). */
export function sliceAttempts(task: TaskRecord): number {
  return task.attempt - (task.slices?.at(-1)?.attempt ?? 0);
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
      failures: (task.failures ?? 0) + 1,
      updatedAt: iso,
      ...(final ? { finishedAt: iso } : {}),
      ...endAttempt(task, attempt, final ? 'failed' : 'retry', now, error.message),
      ...withUsage(task, usage),
    };
  };
}

/** Gives a RUNNING task back (its worker is known to be gone, e.g. on `cloudreduce resume`). */
export function releaseTask(now: number) {
  return (task: TaskRecord): TaskRecord | undefined => {
    if (task.state !== 'RUNNING') return undefined;
    const { leaseOwner: _o, leaseExpiresAt: _l, ...rest } = task;
    return {
      ...rest,
      state: 'PENDING',
      updatedAt: new Date(now).toISOString(),
      ...endAttempt(task, task.attempt, 'released', now),
    };
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
