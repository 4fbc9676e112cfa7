// Generated input for tests and demos: the integers 0..count-1, or `count` pseudo-random lowercase
// strings that depend only on (seed, index), so any split, in any order, on any machine, yields
// the same records. Split into at most `shards` contiguous index ranges.

import { ConfigError } from '../../core/errors.ts';
import type { InputReader, InputSpec } from '../types.ts';

export type GeneratedInputSpec =
  | { readonly type: 'generated'; readonly kind: 'integers'; readonly count: number }
  | {
      readonly type: 'generated';
      readonly kind: 'strings';
      readonly count: number;
      readonly length?: number;
      readonly seed?: number;
    };

export interface RandomStringOptions {
  /** Characters per string (default 10). */
  length?: number;
  /** Different seeds give different strings (default 1). */
  seed?: number;
}

export function integersInput(count: number): GeneratedInputSpec {
  const spec = { type: 'generated', kind: 'integers', count } as const;
  checkGeneratedSpec(spec);
  return spec;
}

export function randomStringsInput(count: number, options: RandomStringOptions = {}): GeneratedInputSpec {
  const spec = { type: 'generated', kind: 'strings', count, ...options } as const;
  checkGeneratedSpec(spec);
  return spec;
}

export function checkGeneratedSpec(spec: InputSpec): asserts spec is GeneratedInputSpec {
  const s = spec as Partial<Record<'kind' | 'count' | 'length' | 'seed', unknown>>;
  if (s.kind !== 'integers' && s.kind !== 'strings') {
    throw new ConfigError(
      `Generated input kind must be "integers" or "strings"; got ${JSON.stringify(s.kind)}.`,
    );
  }
  if (!Number.isSafeInteger(s.count) || (s.count as number) < 0) {
    throw new ConfigError(
      `Generated input count must be a whole number >= 0; got ${JSON.stringify(s.count)}.`,
    );
  }
  if (s.length !== undefined && (!Number.isSafeInteger(s.length) || (s.length as number) < 0)) {
    throw new ConfigError(
      `Generated string length must be a whole number >= 0; got ${JSON.stringify(s.length)}.`,
    );
  }
  if (s.seed !== undefined && !Number.isSafeInteger(s.seed)) {
    throw new ConfigError(`Generated string seed must be a whole number; got ${JSON.stringify(s.seed)}.`);
  }
}

interface IndexRange {
  start: number;
  end: number;
}

export const generatedReader: InputReader<GeneratedInputSpec, number | string> = {
  type: 'generated',
  async split(spec, shards) {
    checkGeneratedSpec(spec);
    const n = Math.min(Math.max(1, Math.floor(shards)), spec.count);
    return Array.from({ length: n }, (_, i) => {
      const range: IndexRange = {
        start: Math.floor((i * spec.count) / n),
        end: Math.floor(((i + 1) * spec.count) / n),
      };
      return { descriptor: range, description: `generated ${spec.kind} ${range.start}-${range.end - 1}` };
    });
  },
  async *read(spec, descriptor) {
    checkGeneratedSpec(spec);
    const { start, end } = descriptor as IndexRange;
    for (let i = start; i < end; i++) {
      const value = spec.kind === 'integers' ? i : randomString(spec.seed ?? 1, i, spec.length ?? 10);
      yield {
        value,
        position: () => `generated ${spec.kind} #${i}`,
        resumeAfter: (): IndexRange => ({ start: i + 1, end }),
      };
    }
  },
};

/** Lowercase letters from a small counter-based generator (splitmix32 over seed and index). */
export function randomString(seed: number, index: number, length: number): string {
  let state = mix(mix(seed | 0) ^ index) ^ Math.floor(index / 2 ** 32);
  let out = '';
  for (let i = 0; i < length; i++) {
    state = mix(state + 0x9e3779b9);
    out += String.fromCharCode(97 + ((state >>> 0) % 26));
  }
  return out;
}

function mix(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
