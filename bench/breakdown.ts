// Where the engine's map-side time goes, one layer at a time, on the benchmark's input and on this
// thread: the hand loop's pieces, then the engine's text reader, then its shuffle buffer. Each step
// is one full pass; CPU seconds are reported because they move less than wall time on a busy box.
// Usage: node bench/breakdown.ts [--size 100m|1g] [--rounds N]

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FsInputFiles } from '../src/adapters/local/fs-input-files.ts';
import { ShuffleCollector } from '../src/core/shuffle/collector.ts';
import { CombiningBuffer } from '../src/core/shuffle/emit-buffer.ts';
import { encodeKey } from '../src/core/keys.ts';
import type { IoEnv } from '../src/io/types.ts';
import { textReader, type TextInputSpec } from '../src/io/inputs/text.ts';
import { words, wordcount } from '../jobs/wordcount.ts';
import { countWords, forEachLine } from './hand-count.ts';
import { ensureInput } from './input.ts';
import { SIZES, type SizeName } from './options.ts';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '100m' }, rounds: { type: 'string', default: '3' } },
});
const size = SIZES[values.size as SizeName];
if (!size) throw new Error(`--size must be one of: ${Object.keys(SIZES).join(', ')}; got "${values.size}".`);
const input = await ensureInput(size, (text) => console.error(text));
const bytes = (await stat(input)).size;
const stage = wordcount.stages[0]!.def;
const combine = (key: unknown, counts: unknown[]) =>
  stage.combine!(key as string, counts as number[], {} as never);
const map = stage.map as (line: { text: string }, emit: (word: string, n: number) => void) => void;

const handLines = (onLine: (line: string) => void) => forEachLine(input, onLine);

/** The engine's reading: the text input reader over the whole file as one split. */
async function engineLines(onLine: (line: { text: string }) => void | Promise<void>): Promise<void> {
  const spec: TextInputSpec = { type: 'text', paths: [input] };
  const descriptor = { ranges: [{ uri: input, start: 0, end: bytes, size: bytes }] };
  // The text reader uses only `files`.
  const io = { files: new FsInputFiles(join(import.meta.dirname, '..')) } as unknown as IoEnv;
  for await (const record of textReader.read(spec, descriptor, io)) {
    const pending = onLine(record.value);
    if (pending) await pending;
  }
}

const settled = async () => {};

const steps: [string, () => Promise<unknown>][] = [
  ['hand: read + split lines', () => handLines(() => {})],
  ['hand: + words()', () => handLines((line) => void words(line))],
  ['hand: + Map counts (the hand loop)', () => countWords(input)],
  [
    'hand: + encodeKey() before the Map',
    () => {
      const counts = new Map<string, number>();
      return handLines((line) => {
        for (const w of words(line)) {
          const k = encodeKey(w);
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
      });
    },
  ],
  [
    'hand reader, engine CombiningBuffer',
    () => {
      const buffer = new CombiningBuffer(combine);
      return handLines((line) => map({ text: line }, (w, n) => buffer.add(w, n)));
    },
  ],
  ['engine text reader only', () => engineLines(() => {})],
  ['engine reader + await per record', () => engineLines(settled)],
  [
    'engine reader + words() + Map counts',
    () => {
      const counts = new Map<string, number>();
      return engineLines((line) => {
        for (const w of words(line.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
      });
    },
  ],
  [
    'engine reader + map + ShuffleCollector + finish',
    async () => {
      const collector = new ShuffleCollector({
        partitions: size.partitions,
        memoryBudgetBytes: 64 * 1024 * 1024,
        scratchDir: join(import.meta.dirname, 'data', 'breakdown-scratch'),
        combine,
      });
      try {
        await engineLines((line) => {
          map(line, (w, n) => collector.emit(w, n));
          return collector.overBudget ? collector.spill() : settled();
        });
        for await (const _chunk of collector.finish());
      } finally {
        await collector.dispose();
      }
    },
  ],
];

const rounds = Number(values.rounds);
console.log(`breakdown on ${input} (${bytes} bytes), best of ${rounds} round(s), CPU seconds\n`);
console.log('| step | CPU s | wall s | MB/s (CPU) |\n|---|---:|---:|---:|');
for (const [name, body] of steps) {
  let best = { cpu: Infinity, wall: Infinity };
  for (let i = 0; i < rounds; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await body();
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    if (cpu < best.cpu) best = { cpu, wall };
  }
  console.log(
    `| ${name} | ${best.cpu.toFixed(2)} | ${best.wall.toFixed(2)} | ${(bytes / 1e6 / best.cpu).toFixed(1)} |`,
  );
}
