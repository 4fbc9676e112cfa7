// One engine measurement: `cloudreduce run wordcount` (or wordcount-blocks) in a fresh data directory (the measured
// child), then, outside the measurement, its run record and tasks (`status --json`) and its
// table (`query --json`), checked against the hand loop's counts.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunRecord, TaskRecord } from '../src/core/records.ts';
import { assertSameCounts, rowsToCounts, type Counts } from './counts.ts';
import { measureNode, type Measurement } from './measure.ts';
import { phaseSeconds, type PhaseSeconds } from './phases.ts';

const ROOT = join(import.meta.dirname, '..');
/** dist/'s CLI, what an installed package runs (built by the benchmark first: buildPackage). */
const CLI = join(ROOT, 'bench', 'built-cli.js');
const MiB = 1024 * 1024;

export interface EngineSettings {
  /** wordcount (a string and an emit per word) or wordcount-blocks (bytes, counted per block). */
  job: 'wordcount' | 'wordcount-blocks';
  workers: number;
  shards: number;
  partitions: number;
  /** Absent: the engine's default budget. */
  memoryBudgetBytes?: number;
}

export interface EngineSample extends Measurement {
  runId: string;
  dataDir: string;
  spills: number;
  counters: Record<string, number>;
  phases: PhaseSeconds;
}

/** The CLI arguments of the measured run, without the input and data directory. */
export function engineArgs(settings: EngineSettings): string[] {
  const args = ['--workers', String(settings.workers), '--shards', String(settings.shards)];
  args.push('--partitions', String(settings.partitions));
  if (settings.memoryBudgetBytes !== undefined)
    args.push('--memory-budget', `${settings.memoryBudgetBytes / MiB}MiB`);
  return args;
}

/** Builds dist/ (npm run build) so the engine cases measure what a project that installs cloudreduce runs. */
export function buildPackage(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: 'ignore' });
}

export async function runEngine(
  settings: EngineSettings,
  input: string,
  expected: Counts,
  options: { probeFile: string; keep: boolean },
): Promise<EngineSample> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudreduce-bench-'));
  try {
    const args = [
      CLI,
      'run',
      settings.job,
      '--input',
      input,
      ...engineArgs(settings),
      '--data-dir',
      dataDir,
      '--json',
    ];
    const measured = await measureNode(args, { cwd: ROOT, probeFile: options.probeFile });
    const run = JSON.parse(measured.stdout) as RunRecord;
    if (run.status !== 'DONE')
      throw new Error(`Engine run ${run.runId} ended ${run.status}: ${run.error?.message ?? ''}`);
    const status = JSON.parse(await cli(['status', run.runId, '--json', '--data-dir', dataDir])) as {
      run: RunRecord;
      tasks: TaskRecord[];
    };
    const rows = JSON.parse(
      await cli(['query', 'SELECT word, count FROM wordcount', '--json', '--data-dir', dataDir]),
    );
    assertSameCounts(
      expected,
      rowsToCounts(rows),
      `engine run ${run.runId} (${engineArgs(settings).join(' ')})`,
    );
    const counters = status.run.stages[0]?.counters ?? {};
    return {
      ...measured,
      runId: run.runId,
      dataDir,
      spills: counters['map-spills'] ?? 0,
      counters,
      phases: phaseSeconds(status.run, status.tasks, measured.spawnedAtMs, measured.exitedAtMs),
    };
  } finally {
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
  }
}

async function cli(args: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', CLI, ...args],
    { cwd: ROOT, maxBuffer: 512 * MiB },
  );
  return stdout;
}
