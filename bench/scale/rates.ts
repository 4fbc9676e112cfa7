// The time Cloud Storage's request rates alone impose on a job. A new bucket serves about 1,000
// object writes/s and 5,000 reads/s; it scales up by at most doubling every 20 minutes (Google's
// request-rate guidance, docs/shared reference). Object names take 1 write/s each; the engine
// writes every name once, which the simulation checks.

export const START_WRITES_PER_SECOND = 1000;
export const START_READS_PER_SECOND = 5000;
export const DOUBLING_SECONDS = 20 * 60;

/**
 * Seconds to serve `requests` at a rate starting at `rate` × 2^(floor(t / 20 min)), starting at
 * `t0` seconds into the job (the ramp carries on from phase to phase).
 */
export function secondsFor(requests: number, rate: number, t0: number): number {
  let t = t0;
  let left = requests;
  while (left > 0) {
    const step = Math.floor(t / DOUBLING_SECONDS);
    const current = rate * 2 ** step;
    const untilDoubling = (step + 1) * DOUBLING_SECONDS - t;
    const served = current * untilDoubling;
    if (served >= left) return t + left / current - t0;
    left -= served;
    t += untilDoubling;
  }
  return t - t0;
}

/** A phase's reads and writes run in parallel; the slower of the two sets its time. */
export function phaseSeconds(reads: number, writes: number, t0: number): number {
  return Math.max(
    secondsFor(reads, START_READS_PER_SECOND, t0),
    secondsFor(writes, START_WRITES_PER_SECOND, t0),
  );
}
