// What every command needs: the job registry (built-ins + the user's modules), a logger that
// prints to the terminal, and where to write.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { createLogger, type Logger, type Severity } from '../core/logger.ts';
import type { JobRegistry } from '../core/registry.ts';
import { loadJobs, toModuleUrl, userJobModules } from '../runtime/job-modules.ts';
import type { CommonOptions } from './args.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  progressStream: NodeJS.WriteStream;
  /** Whether `out` is a terminal (status --watch redraws in place there). */
  outTty?: boolean;
  /** The terminal's size, read when drawing (it changes when the window does). */
  columns?: () => number | undefined;
  rows?: () => number | undefined;
}

export interface CliSession {
  jobs: JobRegistry;
  userModules: string[];
  /** The job named on the command line (resolved when it was a module path). */
  jobName: string;
  logger: Logger;
}

const LEVELS: Severity[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

export interface CliLoggerOptions {
  /**
   * Set while the CLI supervises a run and prints its summary: the ERROR entry the engine logs when
   * it records a failure on a run (it carries `runId` and `error`) would print that failure a second
   * time, so it only shows with CLOUDREDUCE_LOG=debug.
   */
  failuresInSummary?: boolean;
}

export function cliLogger(io: CliIo, options: CliLoggerOptions = {}): Logger {
  const level = (io.env.CLOUDREDUCE_LOG ?? 'warning')
    .toUpperCase()
    .replace('WARN', 'WARNING')
    .replace('WARNINGING', 'WARNING');
  const min = (LEVELS.includes(level as Severity) ? level : 'WARNING') as Severity;
  return createLogger((severity, message, fields) => {
    const recordedOnRun = severity === 'ERROR' && fields.runId !== undefined && fields.error !== undefined;
    if (options.failuresInSummary && recordedOnRun && min !== 'DEBUG') return;
    const where = [fields.taskId, fields.position].filter(Boolean).join(' ');
    io.err(`${severity.toLowerCase()}: ${message}${where ? ` (${where})` : ''}`);
  }, min);
}

function looksLikePath(arg: string): boolean {
  return /\.(ts|js|mjs)$/.test(arg) || arg.includes('/');
}

export async function openCli(common: CommonOptions, io: CliIo, jobArg?: string): Promise<CliSession> {
  const userModules = userJobModules(common.jobModules, io.env, io.cwd);
  let direct: string | undefined;
  if (jobArg && looksLikePath(jobArg)) {
    if (!existsSync(resolve(io.cwd, jobArg)))
      throw new ConfigError(`Job module ${jobArg} not found in ${io.cwd}.`);
    direct = toModuleUrl(jobArg, io.cwd);
    userModules.push(direct);
  }
  const jobs = await loadJobs(userModules);
  let jobName = jobArg ?? '';
  if (direct) {
    const inModule = jobs.list().filter((e) => e.module === direct);
    if (inModule.length !== 1) {
      throw new ConfigError(
        `${jobArg} exports ${inModule.length} jobs (${inModule.map((e) => e.job.name).join(', ')}); pass it with --jobs ${jobArg} and name the job to run.`,
      );
    }
    jobName = inModule[0]!.job.name;
  }
  return { jobs, userModules, jobName, logger: cliLogger(io) };
}
