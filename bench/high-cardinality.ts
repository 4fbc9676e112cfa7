// Memory under spilling: text whose vocabulary (millions of distinct words) cannot fit the map-side
// budget, so the collector must spill. Reports peak RSS against the budget. The Zipf benchmark's
// 50,000 words never spill, so it cannot show this.
//
//   node bench/high-cardinality.ts [--bytes 300000000] [--vocabulary 4000000] [--budget 256MiB]

import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeZipfText } from '../src/samples/zipf-text.ts';

const { values } = parseArgs({
  options: {
    bytes: { type: 'string', default: '300000000' },
    vocabulary: { type: 'string', default: '4000000' },
    budget: { type: 'string', default: '256MiB' },
  },
});
const bytes = Number(values.bytes);
const vocabularySize = Number(values.vocabulary);
const dir = join(import.meta.dirname, 'data');
mkdirSync(dir, { recursive: true });
const file = join(dir, `zipf-${bytes}-v${vocabularySize}.txt`);
if (!existsSync(file)) await writeZipfText(file, { bytes, vocabularySize, seed: 7 });
const dataDir = join(dir, `hc-run-${Date.now()}`);
const started = Date.now();
const run = spawnSync(
  '/usr/bin/time',
  [
    '-f',
    '%M',
    process.execPath,
    '--disable-warning=ExperimentalWarning',
    join(import.meta.dirname, '../bin/cloudreduce.js'),
    'run',
    'wordcount',
    '--input',
    file,
    '--workers',
    '1',
    '--shards',
    '4',
    '--memory-budget',
    values.budget!,
    '--data-dir',
    dataDir,
    '--json',
  ],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
);
const seconds = (Date.now() - started) / 1000;
const peakKiB = Number(run.stderr.trim().split('\n').pop());
const record = JSON.parse(run.stdout) as { status: string; stages: { counters: Record<string, number> }[] };
const c = record.stages[0]!.counters;
console.log(
  `${(bytes / 1e6).toFixed(0)} MB, ${vocabularySize} words, budget ${values.budget}: ${record.status} in ${seconds.toFixed(1)} s, ` +
    `peak RSS ${(peakKiB / 1024).toFixed(0)} MiB, spills ${c['map-spills']}, distinct words ${c['reduce-keys']}`,
);
spawnSync('rm', ['-rf', dataDir]);
