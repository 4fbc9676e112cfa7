// Command-line parsing shared by every command: flag, then environment variable, then default
// (STYLE.md §8), in one injectable function that tests can table-drive.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULTS } from '../core/defaults.ts';
import { ConfigError } from '../core/errors.ts';

export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  jobs: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export interface CommonOptions {
  dataDir: string;
  jobModules: string[];
  help: boolean;
  json: boolean;
}

export function commonOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv): CommonOptions {
  return {
    dataDir: (values['data-dir'] as string | undefined) ?? env.CLOUDREDUCE_DATA_DIR ?? DEFAULTS.dataDir,
    jobModules: (values.jobs as string[] | undefined) ?? [],
    help: Boolean(values.help),
    json: Boolean(values.json),
  };
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. See \`cloudreduce ${command} --help\`.`);
  }
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** "256MiB", "64m", "1048576" → bytes. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`${flag} "${text}" is not a size; use e.g. 256MiB, 64m or 1048576.`);
  return Math.round(Number(m[1]) * unit);
}

export function parseCount(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag} must be a whole number, got "${text}".`);
  return n;
}
