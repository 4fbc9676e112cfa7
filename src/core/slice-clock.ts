// When a task body ends its slice (issue "time budget"): once past the deadline, before the next
// record or key, but never before it did one, so every slice makes progress even with a budget of
// 0 ms. Without a deadline it never fires and costs one comparison.

export class SliceClock {
  #deadline: number | undefined;
  readonly #now: () => number;
  #worked = false;

  constructor(deadline: number | undefined, now: () => number) {
    this.#deadline = deadline;
    this.#now = now;
  }

  /** Call before each record or key: true when the slice should end before it. */
  due(): boolean {
    if (this.#deadline === undefined) return false;
    if (!this.#worked) {
      this.#worked = true;
      return false;
    }
    return this.#now() >= this.#deadline;
  }

  /** Never fire again (the input cannot resume mid-split: the task runs to its end). */
  disable(): void {
    this.#deadline = undefined;
  }
}
