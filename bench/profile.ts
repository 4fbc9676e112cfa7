// Where the engine's time goes: wordcount through `runJob` with workers: 0, so every task runs on
// this thread and one CPU profile sees the map, shuffle and reduce. The hand loop runs in-process
// too, for the same profile of `words()` and a Map alone; the tuned byte loop and the byte-scanning
// job (wordcount-blocks) likewise.
// Usage: node bench/profile.ts [--size 100m|1g] [--shards N] [--top N] [--only CASE,...]
// Cases: hand-loop, engine-workers0 (wordcount), tuned-loop, blocks-workers0 (wordcount-blocks).
// Writes the raw profiles to bench/data/profiles/ (open them in Chrome DevTools).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runJob } from '../src/testing.ts';
import { wordcount } from '../jobs/wordcount.ts';
import { wordcountBlocks } from '../jobs/wordcount-blocks.ts';
import { countWords } from './hand-count.ts';
import { countWordsTuned } from './tuned-loop.ts';
import { profile, selfTimes, type CpuProfile } from './cpu-profile.ts';
import { DATA_DIR, ensureInput } from './input.ts';
import { SIZES, type SizeName } from './options.ts';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100m' },
    shards: { type: 'string' },
    top: { type: 'string', default: '25' },
    only: { type: 'string' },
  },
});
const size = SIZES[values.size as SizeName];
if (!size) throw new Error(`--size must be one of: ${Object.keys(SIZES).join(', ')}; got "${values.size}".`);
const shards = Number(values.shards ?? size.shards);
const top = Number(values.top);
const input = await ensureInput(size, (text) => console.error(text));

async function report(name: string, body: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { profile: p } = await profile(body);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - started) / 1000;
  await mkdir(join(DATA_DIR, 'profiles'), { recursive: true });
  const file = join(DATA_DIR, 'profiles', `${name}-${size.name}.cpuprofile`);
  await writeFile(file, JSON.stringify(p));
  const { functions, areas } = selfTimes(p as CpuProfile, ROOT);
  const line = (t: { name: string; seconds: number; share: number }) =>
    `  ${t.seconds.toFixed(2).padStart(7)} s ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.name}`;
  console.log(
    `\n## ${name} (${size.name}): wall ${wall.toFixed(2)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
  );
  console.log(`profile: ${file}\n\nself time by area:`);
  console.log(areas.slice(0, top).map(line).join('\n'));
  console.log(`\nself time by function (top ${top}):`);
  console.log(functions.slice(0, top).map(line).join('\n'));
}

const only = values.only?.split(',');
const cases: [string, () => Promise<unknown>][] = [
  ['hand-loop', () => countWords(input)],
  [
    'engine-workers0',
    () => runJob(wordcount, { inputs: [input], shards, partitions: size.partitions, workers: 0 }),
  ],
  ['tuned-loop', async () => countWordsTuned(input)],
  [
    'blocks-workers0',
    () => runJob(wordcountBlocks, { inputs: [input], shards, partitions: size.partitions, workers: 0 }),
  ],
];
for (const [name, body] of cases) if (!only || only.includes(name)) await report(name, body);
