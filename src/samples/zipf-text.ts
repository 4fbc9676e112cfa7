// Deterministic English-like text with a Zipf-distributed vocabulary: the demo's sample corpus and
// the word-count benchmark's input. Same seed, same bytes, on every machine.

import { mulberry32 } from '../core/prng.ts';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export { mulberry32 };

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'ta',
  'shi',
  'vo',
  'qu',
  'ze',
  'an',
  'el',
  'or',
  'ix',
  'um',
  'py',
  'da',
  'fe',
];

export function vocabulary(size: number, seed = 7): string[] {
  const rand = mulberry32(seed);
  const words = new Set<string>();
  while (words.size < size) {
    const n = 1 + Math.floor(rand() * 4);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    words.add(rand() < 0.05 ? w + String(Math.floor(rand() * 100)) : w);
  }
  return [...words];
}

/** Cumulative Zipf(s=1) weights, for sampling word ranks with a binary search. */
function zipfTable(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1);
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  return cdf;
}

export interface ZipfTextOptions {
  bytes: number;
  vocabularySize?: number;
  seed?: number;
}

/** Writes about `bytes` bytes of text (lines of 5-20 words, some capitalised, some punctuation). */
export async function writeZipfText(
  path: string,
  { bytes, vocabularySize = 50_000, seed = 42 }: ZipfTextOptions,
): Promise<number> {
  const words = vocabulary(vocabularySize);
  const cdf = zipfTable(words.length);
  const rand = mulberry32(seed);
  const pick = () => {
    const u = rand();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const out = createWriteStream(path);
  let written = 0;
  let chunk = '';
  while (written + chunk.length < bytes) {
    const n = 5 + Math.floor(rand() * 16);
    const line: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = pick();
      if (rand() < 0.08) w = w[0]!.toUpperCase() + w.slice(1);
      if (rand() < 0.06) w += ',';
      line.push(w);
    }
    chunk += line.join(' ') + (rand() < 0.5 ? '.\n' : '\n');
    if (chunk.length > 1 << 20) {
      written += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  written += chunk.length;
  out.end(chunk);
  await once(out, 'finish');
  return written;
}
