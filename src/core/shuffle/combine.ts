// Calling a user's combiner: the one place that checks what it returns.

import { ConfigError } from '../errors.ts';
import type { Key } from '../keys.ts';

/** A stage's `combine`, already bound to the job context. */
export type CombineFn = (key: Key, values: unknown[]) => Iterable<unknown>;

export function runCombine(combine: CombineFn, key: Key, values: unknown[]): unknown[] {
  const out = combine(key, values);
  if (
    out === null ||
    typeof out !== 'object' ||
    typeof (out as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
  ) {
    throw new ConfigError(
      `combine(${describeKey(key)}, values) returned ${out === null ? 'null' : typeof out}; it must return an iterable of values, e.g. \`return [values.reduce((a, b) => a + b, 0)]\` or a generator.`,
    );
  }
  return Array.isArray(out) ? out : [...out];
}

/** A key as it appears in messages: JSON, shortened. */
export function describeKey(key: Key): string {
  const text = JSON.stringify(key);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
