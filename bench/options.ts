// The word-count benchmark's command line and every tunable it uses, in one place.

import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [--size 100m|1g] [--all] [--repeat N] [--only LIST] [--keep]

Word-count benchmark (issues #2, #12): the engine, running wordcount (a string and an emit per
word) and wordcount-blocks (bytes counted per block of lines), against a hand-written Map loop, a
tuned byte loop, DuckDB's SQL on 2 threads and a shell pipeline, on the same generated Zipf text.
Every result's counts are checked equal. Input is generated into bench/data/ once and reused.

Options:
  --size SIZE   100m (default) or 1g
  --all         both sizes, 100m then 1g
  --repeat N    measurements per case, interleaved; the median is reported (default 3 for 100m, 1 for 1g)
  --only LIST   comma-separated case names to run; results go to <date>-<size>-partial.json. The
                hand loop is the reference the counts are checked against: unless named, it runs
                in the first round only
  --keep        keep the engine's data directories (printed) instead of deleting them
  -h, --help    this help`;

export interface SizeSettings {
  name: SizeName;
  bytes: number;
  /** Map tasks: several per worker so both workers stay busy to the end. */
  shards: number;
  partitions: number;
  defaultRepeat: number;
  /** Memory budgets (bytes) of the extra one-worker runs, beyond the engine's default. */
  extraBudgets: number[];
}

export type SizeName = '100m' | '1g';

const MiB = 1024 * 1024;

export const SIZES: Record<SizeName, SizeSettings> = {
  '100m': { name: '100m', bytes: 100_000_000, shards: 8, partitions: 4, defaultRepeat: 3, extraBudgets: [] },
  '1g': {
    name: '1g',
    bytes: 1_000_000_000,
    shards: 16,
    partitions: 4,
    defaultRepeat: 1,
    extraBudgets: [256 * MiB],
  },
};

/** Generator settings (src/samples/zipf-text.ts); part of the input file's name so a change regenerates. */
export const INPUT = { seed: 42, vocabularySize: 50_000 };

/** The shell reference. Plain `sort` (no -S): on a pipe GNU sort sorts in small runs and merges. */
export const SHELL_PIPELINE = 'tr -cs \'A-Za-z0-9\' \'\\n\' < "$1" | tr A-Z a-z | sort | uniq -c > "$2"';

export interface BenchOptions {
  sizes: SizeSettings[];
  repeat: number | undefined;
  only: string[] | undefined;
  keep: boolean;
  help: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      size: { type: 'string' },
      all: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const size = (values.size ?? '100m').toLowerCase();
  if (!(size in SIZES)) {
    throw new Error(`--size must be one of: ${Object.keys(SIZES).join(', ')}; got "${values.size}".`);
  }
  const sizes = values.all ? Object.values(SIZES) : [SIZES[size as SizeName]];
  let repeat: number | undefined;
  if (values.repeat !== undefined) {
    repeat = Number(values.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) {
      throw new Error(`--repeat must be a whole number of at least 1; got "${values.repeat}".`);
    }
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { sizes, repeat, only, keep: values.keep, help: values.help };
}
