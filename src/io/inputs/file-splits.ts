// Byte-range splits over a set of files, shared by the text, NDJSON and CSV inputs.
//
// The files are laid end to end and the total is cut into at most `shards` pieces of similar size,
// so a large file is cut into several ranges and small files are grouped. Each piece (a split) is a
// list of ranges, each range one non-empty byte range of one file; usually a split has one range,
// and it has several only when the cut groups the end of one file with the start of the next. That
// keeps the split count within `shards` however many files match. Compressed (.gz) files cannot be
// entered in the middle, so each one is read whole by the split its first byte falls in.

import { ConfigError } from '../../core/errors.ts';
import type { InputFile } from '../../ports/input-files.ts';
import type { InputSpec, Split, SplitContext } from '../types.ts';

/** Splits smaller than this are not worth a task (the predecessor used 1 KiB; a task costs more here). */
export const DEFAULT_MIN_SPLIT_BYTES = 64 * 1024;

export interface FileInputSpec extends InputSpec {
  readonly paths?: readonly string[];
  /** Smallest split worth a task; mostly for tests that want many splits from small files. */
  readonly minSplitBytes?: number;
}

export interface FileRange {
  uri: string;
  /** [start, end) in bytes; a line belongs to the range its first byte follows (see file-lines.ts). */
  start: number;
  end: number;
  /** The file's size when the split was planned: where reading past `end` must stop. */
  size: number;
  /** Read whole through gunzip. */
  gzip?: true;
  /**
   * Set on the rest of a range after a slice (a checkpoint): `start` is the first byte of a line,
   * which is read, not skipped as the first partial line of a cut. For gzip, `start` is an offset
   * in the decompressed text.
   */
  lineStart?: true;
  /** 1-based line number of the line at `start`, when the checkpoint knew it (saves counting). */
  firstLine?: number;
}

export interface FileSplitDescriptor {
  ranges: FileRange[];
}

export function isGzip(uri: string): boolean {
  return uri.toLowerCase().endsWith('.gz');
}

/** Expands the spec's paths and plans the splits. */
export async function splitFiles(spec: FileInputSpec, shards: number, ctx: SplitContext): Promise<Split[]> {
  if (!Array.isArray(spec.paths) || spec.paths.length === 0) {
    throw new ConfigError(
      `This job reads files (a ${spec.type} input with no paths): list them in the job message's ` +
        `"inputs" field, e.g. "inputs": ["gs://BUCKET/data/*.txt"] (what the CLI's --input sets), ` +
        'or give the paths in the job.',
    );
  }
  const minSplitBytes = spec.minSplitBytes ?? DEFAULT_MIN_SPLIT_BYTES;
  if (!Number.isInteger(minSplitBytes) || minSplitBytes < 1) {
    throw new ConfigError(
      `minSplitBytes must be a whole number of bytes >= 1; got ${String(spec.minSplitBytes)}.`,
    );
  }
  const files = await ctx.files.expand(spec.paths);
  return planFileSplits(files, shards, minSplitBytes).map((ranges) => ({
    descriptor: { ranges } satisfies FileSplitDescriptor,
    description: describeRanges(ranges),
  }));
}

/** At most `shards` non-empty splits; every byte of every file in exactly one range. */
export function planFileSplits(
  files: readonly InputFile[],
  shards: number,
  minSplitBytes: number,
): FileRange[][] {
  const nonEmpty = files.filter((f) => f.size > 0);
  const total = nonEmpty.reduce((sum, f) => sum + f.size, 0);
  if (total === 0) return [];
  const n = Math.max(1, Math.min(Math.floor(shards), Math.floor(total / minSplitBytes)));
  // cuts[i] is where split i starts in the concatenation; strictly increasing because n <= total.
  const cuts = Array.from({ length: n + 1 }, (_, i) => Math.round((i * total) / n));
  const splits: FileRange[][] = Array.from({ length: n }, () => []);
  let split = 0;
  let base = 0;
  for (const file of nonEmpty) {
    const fileEnd = base + file.size;
    if (isGzip(file.uri)) {
      while (base >= cuts[split + 1]!) split++;
      splits[split]!.push({ uri: file.uri, start: 0, end: file.size, size: file.size, gzip: true });
    } else {
      let pos = base;
      while (pos < fileEnd) {
        const splitEnd = cuts[split + 1]!;
        if (pos >= splitEnd) {
          split++;
          continue;
        }
        const end = Math.min(splitEnd, fileEnd);
        splits[split]!.push({ uri: file.uri, start: pos - base, end: end - base, size: file.size });
        pos = end;
      }
    }
    base = fileEnd;
  }
  return splits.filter((ranges) => ranges.length > 0);
}

export function describeRanges(ranges: readonly FileRange[]): string {
  const one = (r: FileRange): string =>
    r.gzip
      ? `${r.uri} (gzip, whole file)`
      : `${r.uri} bytes ${r.start}-${r.end}${r.end === r.size ? ' (end)' : ''}`;
  if (ranges.length <= 2) return ranges.map(one).join(', ');
  return `${one(ranges[0]!)} … ${one(ranges[ranges.length - 1]!)} (${ranges.length} files)`;
}

/** The ranges of a descriptor made by `splitFiles`, checked enough to fail clearly on a foreign one. */
export function rangesOf(descriptor: unknown): FileRange[] {
  const ranges = (descriptor as Partial<FileSplitDescriptor> | null)?.ranges;
  if (!Array.isArray(ranges)) {
    throw new ConfigError(
      `A file input split must look like { ranges: [{ uri, start, end, size }] }; got ${JSON.stringify(descriptor)?.slice(0, 200)}.`,
    );
  }
  return ranges;
}

/**
 * The descriptor of the rest of a split: what is left of ranges[r] (`rest`, undefined when nothing
 * is) and the ranges after it.
 */
export function restOfSplit(
  ranges: readonly FileRange[],
  r: number,
  rest: FileRange | undefined,
): FileSplitDescriptor {
  return { ranges: [...(rest ? [rest] : []), ...ranges.slice(r + 1)] };
}

/** Accepts one path or a list; undefined stays undefined so `--input` can fill it in. */
export function pathList(paths: string | readonly string[] | undefined): readonly string[] | undefined {
  return paths === undefined ? undefined : typeof paths === 'string' ? [paths] : [...paths];
}

export interface FileInputOptions {
  /** Smallest split worth a task (default 64 KiB); lower it in tests to get many splits from small files. */
  minSplitBytes?: number;
}
