// When a task body ends its slice (issue "time budget"): once past the deadline, before the next
// record or key, but never before it did one, so every slice makes progress even with a budget of
// 0 ms. Without a window it never fires and costs one comparison.
//
// A slice first pays a setup that does no work the checkpoint keeps: claiming, reading the shuffle
// index, opening every source, merge passes, skipping the keys earlier slices reduced. When that
// setup eats the budget, ending at the deadline would leave one record or key per slice, and a task
// would need as many slices (messages, setups) as it has keys: it progresses but never ends in any
// useful time (found by the simulation soak). So a slice works at least as long as its setup took,
// up to the window's hard limit (what the function's timeout leaves to seal and commit the slice).

import { DEFAULTS } from './defaults.ts';

/**
 * EngineEnv.taskLimitMillis of a function with this budget: half of the 60 s terraform keeps
 * between the budget and the timeout, never past DEFAULTS.cloudSliceLimitMillis.
 */
export function functionTaskLimitMillis(budgetMillis: number): number {
  return Math.min(budgetMillis + DEFAULTS.cloudSliceExtensionMillis, DEFAULTS.cloudSliceLimitMillis);
}

/** The time a slice may take, in env.now() millis (TaskExecution.slice). */
export interface SliceWindow {
  /** When the delivery arrived: the function's own clock started then. */
  started: number;
  /** started + the time budget: the slice ends at the first resumable point after it… */
  deadline: number;
  /** …unless its setup took longer than the budget: then at most this (never before deadline). */
  limit: number;
}

export class SliceClock {
  #end: number | undefined;
  readonly #window: SliceWindow | undefined;
  readonly #now: () => number;
  #worked = false;

  constructor(window: SliceWindow | undefined, now: () => number) {
    this.#window = window;
    this.#end = window?.deadline;
    this.#now = now;
  }

  /** Call before each record or key: true when the slice should end before it. */
  due(): boolean {
    if (this.#end === undefined) return false;
    if (!this.#worked) {
      this.#worked = true;
      const w = this.#window!;
      const setupDone = this.#now();
      this.#end = Math.max(w.deadline, Math.min(w.limit, setupDone + (setupDone - w.started)));
      return false;
    }
    return this.#now() >= this.#end;
  }

  /** Never fire again (the input cannot resume mid-split: the task runs to its end). */
  disable(): void {
    this.#end = undefined;
  }
}
