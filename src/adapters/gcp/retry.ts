// Retry with capped exponential backoff and full jitter, for requests the official clients do not
// retry themselves (Datastore transactions on contention, BigQuery job polling).

export interface RetryOptions {
  /** Tries in total, the first included. */
  maxAttempts: number;
  initialDelayMillis: number;
  maxDelayMillis: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 6, initialDelayMillis: 100, maxDelayMillis: 5_000 };

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  shouldRetry: (err: unknown) => boolean,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.maxAttempts || !shouldRetry(err)) throw err;
      await sleep(backoffMillis(attempt, options));
    }
  }
}

export function backoffMillis(attempt: number, options: RetryOptions): number {
  const cap = Math.min(options.maxDelayMillis, options.initialDelayMillis * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
