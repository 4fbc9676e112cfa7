// Runs one measured child process: wall time from spawn to exit, peak RSS and CPU time of the child.
// Node children report through the preloaded rss-probe.ts; anything else runs under GNU time.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const PROBE = pathToFileURL(join(import.meta.dirname, 'rss-probe.ts')).href;
const GNU_TIME = '/usr/bin/time';
const STDERR_TAIL_CHARS = 4000;

export interface Measurement {
  wallSeconds: number;
  /** Peak resident set of the process (for a pipeline: of its largest process); undefined if unknown. */
  maxRssKiB: number | undefined;
  cpuSeconds: number | undefined;
  /** 1-minute load average when the child started. */
  load1: number;
  spawnedAtMs: number;
  exitedAtMs: number;
  stdout: string;
}

export interface MeasureOptions {
  cwd: string;
  /** Where the probe or GNU time writes its report (deleted afterwards). */
  probeFile: string;
}

/** `node [nodeArgs] script [args]` with the RSS probe preloaded. */
export function measureNode(nodeArgs: readonly string[], options: MeasureOptions): Promise<Measurement> {
  return measure(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', PROBE, ...nodeArgs],
    options,
    {
      BENCH_PROBE_FILE: options.probeFile,
    },
  );
}

/** A bash script with positional args, under GNU time when it is installed. */
export function measureBash(
  script: string,
  args: readonly string[],
  options: MeasureOptions,
): Promise<Measurement> {
  const bash = ['-c', `set -o pipefail; export LC_ALL=C; ${script}`, 'bench', ...args];
  if (!existsSync(GNU_TIME)) return measure('bash', bash, options, {});
  const format = '{"maxRssKiB": %M, "user": %U, "system": %S}';
  return measure(GNU_TIME, ['-f', format, '-o', options.probeFile, 'bash', ...bash], options, {});
}

async function measure(
  command: string,
  args: readonly string[],
  options: MeasureOptions,
  env: Record<string, string>,
): Promise<Measurement> {
  await rm(options.probeFile, { force: true });
  const load1 = loadavg()[0]!;
  const spawnedAtMs = Date.now();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr
    .setEncoding('utf8')
    .on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_TAIL_CHARS)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(signal ? null : exitCode));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const exitedAtMs = Date.now();
  if (code !== 0) {
    throw new Error(
      `Measured command failed (exit ${code ?? 'by signal'}): ${command} ${args.join(' ')}\n--- stderr (tail) ---\n${stderr}`,
    );
  }
  const probe = await readProbe(options.probeFile);
  return { wallSeconds, ...probe, load1, spawnedAtMs, exitedAtMs, stdout };
}

async function readProbe(file: string): Promise<Pick<Measurement, 'maxRssKiB' | 'cpuSeconds'>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  await rm(file, { force: true });
  if (!text) return { maxRssKiB: undefined, cpuSeconds: undefined };
  const report = JSON.parse(text) as {
    maxRssKiB: number;
    cpuSeconds?: number;
    user?: number;
    system?: number;
  };
  const cpuSeconds = report.cpuSeconds ?? (report.user ?? 0) + (report.system ?? 0);
  return { maxRssKiB: report.maxRssKiB, cpuSeconds };
}
