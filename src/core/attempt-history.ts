// A task's attempts, kept on the task record so the status pages can draw a timeline: when each
// claim started, how it ended (committed, sliced, retried, failed, lease expired, released) and
// why. The task-state mutators append and close entries; the list is bounded so a task entity
// stays far below Datastore's 1 MiB (an entry is about 150 bytes).

import type { TaskRecord } from './records.ts';

export type AttemptOutcome = 'running' | 'done' | 'slice' | 'retry' | 'failed' | 'expired' | 'released';

export interface AttemptEntry {
  attempt: number;
  /** The worker that held the lease. */
  owner?: string;
  /** Epoch millis of the claim. */
  startedAt: number;
  /** Epoch millis of the end; absent while running (or when the worker vanished unseen). */
  endedAt?: number;
  outcome: AttemptOutcome;
  /** The error of a retried or failed attempt, cut to ERROR_CHARS. */
  error?: string;
}

/** The newest entries kept; older ones are counted in `attemptsDropped`. */
export const MAX_ATTEMPT_ENTRIES = 100;
const ERROR_CHARS = 200;

type History = Pick<TaskRecord, 'attempts' | 'attemptsDropped'>;

/** The history after a claim: an open entry left by an expired lease is closed first. */
export function startAttempt(task: TaskRecord, attempt: number, owner: string, now: number): History {
  const closed = close(task.attempts ?? [], undefined, 'expired', now);
  return bound([...closed, { attempt, owner, startedAt: now, outcome: 'running' }], task.attemptsDropped);
}

/** The history after attempt `attempt` ended with `outcome`. */
export function endAttempt(
  task: TaskRecord,
  attempt: number,
  outcome: Exclude<AttemptOutcome, 'running'>,
  now: number,
  error?: string,
): History {
  return bound(close(task.attempts ?? [], attempt, outcome, now, error), task.attemptsDropped);
}

function close(
  entries: readonly AttemptEntry[],
  attempt: number | undefined,
  outcome: Exclude<AttemptOutcome, 'running'>,
  now: number,
  error?: string,
): AttemptEntry[] {
  return entries.map((e) =>
    e.outcome === 'running' && (attempt === undefined || e.attempt === attempt)
      ? {
          ...e,
          // An expired lease ended when nobody renewed it; the claim that notices is later.
          endedAt: now,
          outcome,
          ...(error !== undefined ? { error: error.slice(0, ERROR_CHARS) } : {}),
        }
      : e,
  );
}

function bound(entries: AttemptEntry[], dropped = 0): History {
  const excess = entries.length - MAX_ATTEMPT_ENTRIES;
  if (excess <= 0) return dropped ? { attempts: entries, attemptsDropped: dropped } : { attempts: entries };
  return { attempts: entries.slice(excess), attemptsDropped: dropped + excess };
}
