// The benchmark's input: Zipf text from the project's generator, written once into bench/data/
// (gitignored) and reused while its size says it is complete.

import { rename, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeZipfText } from '../src/samples/zipf-text.ts';
import { INPUT, type SizeSettings } from './options.ts';

export const DATA_DIR = join(import.meta.dirname, 'data');

/** The generator stops after the line that reaches `bytes`; lines are at most a few hundred bytes. */
const MAX_OVERSHOOT_BYTES = 4096;

export async function ensureInput(size: SizeSettings, log: (text: string) => void): Promise<string> {
  const path = join(DATA_DIR, `zipf-${size.name}-seed${INPUT.seed}-v${INPUT.vocabularySize}.txt`);
  const existing = await stat(path).catch(() => undefined);
  if (existing && existing.size >= size.bytes && existing.size < size.bytes + MAX_OVERSHOOT_BYTES) {
    log(`input ${path} (${existing.size} bytes, reused)`);
    return path;
  }
  await mkdir(DATA_DIR, { recursive: true });
  log(`generating ${path} (${size.bytes} bytes)…`);
  const started = performance.now();
  // Written under a temporary name, so an interrupted generation is never mistaken for input.
  const partial = `${path}.partial`;
  await writeZipfText(partial, { bytes: size.bytes, ...INPUT });
  await rename(partial, path);
  log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}
