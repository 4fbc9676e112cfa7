// The one seeded scheduler that owns time. Everything the simulated engine does happens as an event
// on a virtual clock: a port call completing, a message being delivered, a lease-renewal tick, a
// sweeper tick. Between two events the scheduler lets the microtask queue drain (one setImmediate
// turn), so each handler runs until its next port call and then waits for the scheduler: the
// interleaving of any number of concurrent handlers is a pure function of the seed.

import { mulberry32 } from '../../src/core/prng.ts';

interface Event {
  at: number;
  seq: number;
  /** Returns false when it did nothing (no promise settled): the scheduler then skips the drain. */
  run: () => boolean | void;
}

/** A simulated process: one handler execution (a delivery, a sweep), with its own timers. */
export class Proc {
  readonly id: number;
  readonly name: string;
  dead = false;
  /** Frozen (a stalled call, a GC pause) until this time: its timers do not fire. */
  frozenUntil = 0;
  readonly stops = new Set<() => void>();
  onDeath: () => void = () => {};

  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }
}

export class Scheduler {
  now = 0;
  events = 0;
  readonly random: () => number;
  readonly trace: string[] = [];
  /** Off: `log` keeps nothing (a soak re-runs a failing seed with the trace on: it is deterministic). */
  tracing = true;
  readonly #heap: Event[] = [];
  #seq = 0;
  #procs = 0;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.random() < p;
  }

  log(line: string): void {
    if (this.tracing) this.trace.push(`${(this.now / 1000).toFixed(3).padStart(9)}s ${line}`);
  }

  at(delayMillis: number, run: () => boolean | void): void {
    push(this.#heap, { at: this.now + Math.max(0, delayMillis), seq: this.#seq++, run });
  }

  spawn(name: string): Proc {
    return new Proc(++this.#procs, name);
  }

  kill(proc: Proc, why: string): void {
    if (proc.dead) return;
    proc.dead = true;
    for (const stop of proc.stops) stop();
    proc.stops.clear();
    this.log(`#${proc.id} ${proc.name} DIES (${why})`);
    proc.onDeath();
  }

  /** `tick` every `millis` of virtual time while the process lives and is not frozen. */
  repeat(proc: Proc, millis: number, tick: () => void): () => void {
    let stopped = false;
    const stop = () => {
      stopped = true;
      proc.stops.delete(stop);
    };
    proc.stops.add(stop);
    const next = () =>
      this.at(millis, () => {
        if (stopped || proc.dead) return false;
        if (this.now >= proc.frozenUntil) tick();
        next();
      });
    next();
    return stop;
  }

  /** Resolves after `millis` of virtual time (never, if the process dies first). */
  sleep(proc: Proc, millis: number): Promise<void> {
    return new Promise((resolve) => this.at(millis, () => !proc.dead && resolve()));
  }

  /** Runs events in time order until `done()` or no event is left; false if `maxEvents` ran out. */
  async run(done: () => boolean, maxEvents: number): Promise<boolean> {
    while (this.#heap.length > 0 && !done()) {
      if (++this.events > maxEvents) return false;
      const event = pop(this.#heap)!;
      this.now = event.at;
      if (event.run() !== false) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return true;
  }

  get idle(): boolean {
    return this.#heap.length === 0;
  }
}

// A binary min-heap on (at, seq): equal times keep their scheduling order.
const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function push(heap: Event[], e: Event): void {
  heap.push(e);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: Event[]): Event | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
  return top;
}
