// `npm run bench`: the word-count benchmark of issue #2. Each case runs as its own child process
// on the same input, in interleaved rounds (so load from elsewhere hits every case alike); the
// engine's result is checked against the hand loop's counts. Prints the results and writes them
// to bench/results/<date>-<size>.json. See docs/benchmarks.md.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { assertSameCounts, readHandCounts, readUniqCounts, type Counts } from './counts.ts';
import { buildPackage, engineArgs, runEngine, type EngineSettings } from './engine-run.ts';
import { ensureInput } from './input.ts';
import { measureBash, measureNode } from './measure.ts';
import {
  parseBenchArgs,
  SHELL_PIPELINE,
  USAGE,
  INPUT,
  type BenchOptions,
  type SizeSettings,
} from './options.ts';
import {
  DUCKDB,
  HAND,
  HAND_X2,
  TUNED,
  TUNED_X2,
  phasesTable,
  resultsTable,
  summarise,
  targets,
  targetsTable,
  type Sample,
} from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS_DIR = join(import.meta.dirname, 'results');
const MiB = 1024 * 1024;

interface BenchCase {
  name: string;
  command: string;
  /** Copies of the input processed at once (throughput counts each). */
  copies?: number;
  measure: () => Promise<Sample>;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

async function benchSize(size: SizeSettings, options: BenchOptions): Promise<void> {
  const input = await ensureInput(size, log);
  const inputBytes = (await stat(input)).size;
  const shown = relative(ROOT, input);
  const work = await mkdtemp(join(tmpdir(), 'wordcount-bench-'));
  const probeFile = join(work, 'probe.json');
  let expected: Counts | undefined;
  const reference = () => {
    if (!expected) throw new Error('The hand loop must run before the cases checked against it.');
    return expected;
  };

  const handLoop = async (copy: string): Promise<Sample> => {
    const countsFile = join(work, `hand-counts${copy}.json`);
    const script = join(import.meta.dirname, 'hand-loop.ts');
    const m = await measureNode([script, input, countsFile], { cwd: ROOT, probeFile: `${probeFile}${copy}` });
    const counts = await readHandCounts(countsFile);
    if (expected) assertSameCounts(expected, counts, 'a repeated hand loop');
    expected = counts;
    return m;
  };
  const tunedLoop = async (copy: string): Promise<Sample> => {
    const countsFile = join(work, `tuned-counts${copy}.json`);
    const script = join(import.meta.dirname, 'tuned-loop.ts');
    const m = await measureNode([script, input, countsFile], { cwd: ROOT, probeFile: `${probeFile}${copy}` });
    assertSameCounts(reference(), await readHandCounts(countsFile), 'the tuned loop');
    return m;
  };
  const shellOut = join(work, 'uniq-c.txt');
  const cases: BenchCase[] = [
    { name: HAND, command: `node bench/hand-loop.ts ${shown} COUNTS.json`, measure: () => handLoop('') },
    {
      // The control for the 2-worker target: how much parallel speed-up the machine has right now.
      name: HAND_X2,
      copies: 2,
      command: `two hand loops at once`,
      measure: () => twoAtOnce(handLoop),
    },
    {
      name: 'shell',
      command: `LC_ALL=C; ${SHELL_PIPELINE.replace('"$1"', shown).replace('"$2"', 'OUT')}`,
      measure: async () => {
        const m = await measureBash(SHELL_PIPELINE, [input, shellOut], { cwd: ROOT, probeFile });
        assertSameCounts(reference(), await readUniqCounts(shellOut), 'the shell pipeline');
        return m;
      },
    },
    { name: TUNED, command: `node bench/tuned-loop.ts ${shown} COUNTS.json`, measure: () => tunedLoop('') },
    {
      // The control for wordcount-blocks' 2-worker target: the speed-up the machine offers a
      // CPU-bound byte loop right now (two processes, so no engine code is shared or contended).
      name: TUNED_X2,
      copies: 2,
      command: `two tuned loops at once`,
      measure: () => twoAtOnce(tunedLoop),
    },
    {
      name: DUCKDB,
      command: `node bench/duckdb-count.ts ${shown} COUNTS.json 2`,
      measure: async () => {
        const countsFile = join(work, 'duckdb-counts.json');
        const script = join(import.meta.dirname, 'duckdb-count.ts');
        const m = await measureNode([script, input, countsFile, '2'], { cwd: ROOT, probeFile });
        assertSameCounts(reference(), await readHandCounts(countsFile), 'DuckDB');
        return m;
      },
    },
    ...engineCases(size).map(({ name, settings }) => ({
      name,
      command: `node bench/built-cli.js run ${settings.job} --input ${shown} ${engineArgs(settings).join(' ')} --data-dir TMP --json`,
      measure: async () => {
        const sample = await runEngine(settings, input, reference(), { probeFile, keep: options.keep });
        if (options.keep) log(`  data dir kept: ${sample.dataDir}`);
        return sample;
      },
    })),
  ].filter((c) => c.name === HAND || !options.only || options.only.includes(c.name));

  const repeat = options.repeat ?? size.defaultRepeat;
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  const loadBefore = loadavg();
  log(`\n${size.name}: ${cases.length} cases × ${repeat} round(s), load ${formatLoad(loadBefore)}`);
  try {
    for (let round = 1; round <= repeat; round++) {
      for (const c of cases) {
        // Named in --only or not, the hand loop is the reference every other count is checked
        // against; when not named it runs in the first round only (a 1 GB hand loop takes ~40 s).
        if (c.name === HAND && round > 1 && options.only && !options.only.includes(HAND)) continue;
        const sample = await c.measure();
        samples.get(c.name)!.push(pick(sample));
        const rss = sample.maxRssKiB === undefined ? '?' : (sample.maxRssKiB / 1024).toFixed(0);
        log(
          `  round ${round}/${repeat} ${c.name.padEnd(17)} ${sample.wallSeconds.toFixed(2).padStart(7)} s  ${rss.padStart(5)} MiB  (load ${sample.load1.toFixed(2)})`,
        );
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const loadAfter = loadavg();

  const results = summarise(
    cases.map((c) => ({
      name: c.name,
      command: c.command,
      copies: c.copies ?? 1,
      samples: samples.get(c.name)!,
    })),
    inputBytes,
  );
  const met = targets(results);
  const date = new Date().toISOString().slice(0, 10);
  // A run of some cases only does not replace the day's full results.
  const file = join(RESULTS_DIR, `${date}-${size.name}${options.only ? '-partial' : ''}.json`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const report = {
    benchmark: 'wordcount',
    size: size.name,
    date: new Date().toISOString(),
    input: {
      file: shown,
      bytes: inputBytes,
      words: [...reference().values()].reduce((a, b) => a + b, 0),
      distinctWords: reference().size,
      ...INPUT,
    },
    machine: machine(),
    code: codeVersion(),
    load: { before: loadBefore.map(round2), after: loadAfter.map(round2) },
    settings: {
      repeat,
      shards: size.shards,
      partitions: size.partitions,
      statistic: 'median wall time over rounds',
    },
    results,
    targets: met,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\nwordcount ${size.name}: ${inputBytes} bytes, ${repeat} round(s), median wall time; load ${formatLoad(loadBefore)} → ${formatLoad(loadAfter)}\n`,
  );
  console.log(resultsTable(results));
  const phases = phasesTable(results);
  if (phases) console.log(`\nengine phases (s, median run):\n\n${phases}`);
  if (met.length) console.log(`\ntargets:\n\n${targetsTable(met)}`);
  console.log(`\nwritten ${relative(ROOT, file)}`);
}

function engineCases(size: SizeSettings): { name: string; settings: EngineSettings }[] {
  const base = { shards: size.shards, partitions: size.partitions };
  const lines = { ...base, job: 'wordcount' as const };
  const blocks = { ...base, job: 'wordcount-blocks' as const };
  return [
    { name: 'engine-1w', settings: { ...lines, workers: 1 } },
    { name: 'engine-2w', settings: { ...lines, workers: 2 } },
    { name: 'blocks-1w', settings: { ...blocks, workers: 1 } },
    { name: 'blocks-2w', settings: { ...blocks, workers: 2 } },
    ...size.extraBudgets.map((bytes) => ({
      name: `engine-1w-${bytes / MiB}MiB`,
      settings: { ...lines, workers: 1, memoryBudgetBytes: bytes },
    })),
  ];
}

/** Two copies of a case started together (copies '-a' and '-b'): the slower one's wall time, both's memory and CPU. */
async function twoAtOnce(measure: (copy: string) => Promise<Sample>): Promise<Sample> {
  const [a, b] = await Promise.all([measure('-a'), measure('-b')]);
  return {
    wallSeconds: Math.max(a.wallSeconds, b.wallSeconds),
    maxRssKiB: sum(a.maxRssKiB, b.maxRssKiB),
    cpuSeconds: sum(a.cpuSeconds, b.cpuSeconds),
    load1: a.load1,
  };
}

/** What a sample keeps for the report (not stdout, nor timestamps). */
function pick(sample: Sample & { stdout?: string }): Sample {
  const { wallSeconds, maxRssKiB, cpuSeconds, load1, spills, phases, runId } = sample;
  return {
    wallSeconds: round2(wallSeconds),
    maxRssKiB,
    cpuSeconds: cpuSeconds === undefined ? undefined : round2(cpuSeconds),
    load1: round2(load1),
    ...(spills !== undefined ? { spills } : {}),
    ...(phases ? { phases } : {}),
    ...(runId ? { runId } : {}),
  };
}

function machine() {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round2(totalmem() / 1024 ** 3),
    node: process.version,
    kernel: release(),
  };
}

/** The commit measured, and whether the engine had uncommitted changes (others work in this tree). */
function codeVersion() {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'src', 'jobs').split('\n').filter(Boolean).length;
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedEngineFiles: changed };
  } catch {
    return { commit: 'unknown', uncommittedEngineFiles: -1 };
  }
}

const sum = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a + b;
const round2 = (n: number) => Math.round(n * 100) / 100;
const formatLoad = (load: number[]) => load.map((l) => l.toFixed(2)).join(' ');

try {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options.help) console.log(USAGE);
  else {
    console.error('building dist/ (npm run build): the engine cases run what an installed package runs');
    buildPackage();
    for (const size of options.sizes) await benchSize(size, options);
  }
} catch (err) {
  console.error(`\nbenchmark failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
