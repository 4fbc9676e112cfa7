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

/**
 * Parses a command's argv. `positionals` names the arguments the command takes in order (e.g.
 * ['RUN_ID']); more than that is refused instead of silently ignored. Omit it for a command that
 * takes any number (query's SQL words).
 */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: O,
  positionals?: readonly string[],
) {
  const all = { ...COMMON_OPTIONS, ...options };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: all, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(
      `${argsProblem(err as Error & { code?: string }, all)} See \`cloudreduce ${command} --help\`.`,
    );
  }
  if (positionals && parsed.positionals.length > positionals.length) {
    const extra = parsed.positionals.slice(positionals.length).map((p) => `"${p}"`);
    const takes = positionals.length
      ? `takes at most ${positionals.length === 1 ? 'one argument' : `${positionals.length} arguments`} (${positionals.join(' ')})`
      : 'takes no arguments';
    throw new ConfigError(
      `cloudreduce ${command} ${takes}; unexpected ${extra.join(', ')}. ` +
        (options.input?.multiple
          ? "A glob after --input that the shell expanded? Quote it (--input '*.txt') or repeat --input per file. "
          : positionals.length
            ? 'Quote a value that contains spaces. '
            : '') +
        `See \`cloudreduce ${command} --help\`.`,
    );
  }
  return parsed;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Node's parseArgs messages, said for a user: which flag, what is allowed, a near match. */
function argsProblem(err: Error & { code?: string }, options: OptionsConfig): string {
  const flag = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1];
  const flags = Object.entries(options).flatMap(([name, o]) => [
    `--${name}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const near = didYouMean(
      flag.split('=')[0]!,
      flags.filter((f) => f.startsWith('--')),
    );
    return (
      `Unknown flag ${flag}.${near ? ` Did you mean ${near}?` : ''} ` +
      `Flags: ${flags.filter((f) => f.startsWith('--')).join(', ')}. ` +
      'A value that starts with - goes after --, as in `-- -5`.'
    );
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = flag.replace(/^-+/, '');
    const option = options[name] ?? Object.values(options).find((o) => o.short === name);
    return option?.type === 'boolean'
      ? `${flag} is a switch and takes no value; write ${flag} alone.`
      : `${flag} needs a value, as in ${flag} VALUE.`;
  }
  return `${err.message}.`;
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const bare = word.replace(/^-+/, '');
  // A prefix (--proj for --project) is a likely abbreviation when only one flag starts with it.
  const prefixed = candidates.filter((c) => c.startsWith(word));
  if (bare.length >= 2 && prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  // About a third of the word may differ and it is still a typo rather than another word.
  return bestDistance <= Math.max(1, Math.floor(bare.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
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
