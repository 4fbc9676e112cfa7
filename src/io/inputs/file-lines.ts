// Reading the lines of one byte range, by the predecessor's rule: a range with start > 0 first
// discards everything up to and including the first '\n' at or after `start` (that line belongs to
// the previous range, even when it starts exactly at `start`), then reads lines while a line's
// first byte is at or before `end`. So every line is read by exactly one range whatever the cuts.
//
// A range resumed at a checkpoint (`lineStart`) starts at the first byte of a line and reads it;
// a gzip one decompresses from the start and drops the bytes before `start`.
//
// The range is streamed; past `end` the reader fetches growing windows only until the last line
// is complete. A split does not know the line number it starts at: it is counted on demand, only
// when a position is needed (errors), by streaming the file up to the line.

import { stripByteOrderMark } from './byte-order-mark.ts';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../core/errors.ts';
import type { InputFiles, PinnedFile, ReadOptions } from '../../ports/input-files.ts';
import type { FileRange } from './file-splits.ts';
import { scanLines, type LineBatch, type ScanOptions } from './line-scanner.ts';

const TAIL_FIRST_WINDOW_BYTES = 64 * 1024;
const TAIL_MAX_WINDOW_BYTES = 8 * 1024 * 1024;

/** A batch of a range's lines, with their file line numbers on demand. */
export interface RangeBatch extends LineBatch {
  /** The 1-based line number in the file of texts[k]; a Promise when it must be counted first. */
  lineNumber(k: number): number | Promise<number>;
  /** What is left of the range after texts[k]: a checkpoint's range, undefined when nothing is. */
  rest(k: number): FileRange | undefined;
}

export async function* readRangeLines(files: InputFiles, range: FileRange): AsyncGenerator<RangeBatch> {
  // scanLines decodes or copies every byte it keeps before it asks for the next chunk.
  const batches = scanLines(rangeChunks(files, range, { reuseChunks: true }), scanOptions(range));
  // Line number of the range's first line: 1 at the start of a file, else counted once on demand.
  let base: number | Promise<number> | undefined = range.firstLine ?? (range.start === 0 ? 1 : undefined);
  let seen = 0;
  for await (const batch of batches) {
    // A UTF-8 byte order mark is not part of the first line's text.
    if (batch.offsets[0] === 0) batch.texts[0] = stripByteOrderMark(batch.texts[0]!);
    const first = seen;
    const firstOffset = batch.offsets[0]!;
    seen += batch.texts.length;
    yield {
      ...batch,
      lineNumber: (k: number) => {
        base ??= countNewlines(files, range.uri, firstOffset).then((n) => n + 1 - first);
        return typeof base === 'number' ? base + first + k : base.then((b) => b + first + k);
      },
      rest: (k: number) => {
        const start = k + 1 < batch.offsets.length ? batch.offsets[k + 1]! : batch.next;
        // Only a line number known already: counting it here would read the file up to the line.
        return restOfRange(range, start, typeof base === 'number' ? base + first + k + 1 : undefined);
      },
    };
  }
}

/**
 * The rest of `range` from `start`, the first byte of a line (a checkpoint), or undefined when no
 * line of the range is left: lines starting after `end` belong to the next split, and gzip ranges
 * own the whole file. The pin (size, version) goes along, so a resumed read checks it too.
 */
export function restOfRange(range: FileRange, start: number, firstLine?: number): FileRange | undefined {
  if (!range.gzip && (start > range.end || start >= range.size)) return undefined;
  const { uri, end, size, version } = range;
  return {
    uri,
    start,
    end,
    size,
    ...(version !== undefined ? { version } : {}),
    ...(range.gzip ? { gzip: true as const } : {}),
    lineStart: true,
    ...(firstLine !== undefined ? { firstLine } : {}),
  };
}

/** The bytes a range's reader scans: from its start (gzip: the whole stream) past its end. */
export function rangeChunks(
  files: InputFiles,
  range: FileRange,
  options: ReadOptions = {},
): AsyncIterable<Buffer> {
  return range.gzip
    ? dropBytes(gunzip(files, range), range.lineStart === true ? range.start : 0)
    : readWithTail(files, range, options);
}

/** Which lines of the stream the range owns (see the rule at the top of this file). */
export function scanOptions(range: FileRange): ScanOptions {
  return {
    start: range.start,
    skipFirst: range.start > 0 && range.lineStart !== true,
    lastStart: range.gzip ? Infinity : range.end,
    file: range.uri,
  };
}

/** What the range's file was at planning (size and version), for the reads to check. */
function pinned(range: FileRange): PinnedFile {
  return { size: range.size, ...(range.version !== undefined ? { version: range.version } : {}) };
}

/** The range, then windows past its end until the consumer stops pulling (its last line is done). */
async function* readWithTail(
  files: InputFiles,
  range: FileRange,
  options: ReadOptions,
): AsyncGenerator<Buffer> {
  yield* files.read(range.uri, { start: range.start, end: range.end }, pinned(range), options);
  let pos = range.end;
  let window = TAIL_FIRST_WINDOW_BYTES;
  while (pos < range.size) {
    const end = Math.min(range.size, pos + window);
    yield* files.read(range.uri, { start: pos, end }, pinned(range), options);
    pos = end;
    window = Math.min(window * 2, TAIL_MAX_WINDOW_BYTES);
  }
}

/** The stream without its first `n` bytes. */
async function* dropBytes(chunks: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let left = n;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

async function* gunzip(files: InputFiles, range: FileRange): AsyncGenerator<Buffer> {
  const uri = range.uri;
  const unzip = createGunzip();
  const source = Readable.from(files.read(uri, undefined, pinned(range)));
  // pipeline destroys both ends on error or when the consumer stops early.
  pipeline(source, unzip, () => {});
  try {
    for await (const chunk of unzip) yield chunk as Buffer;
  } catch (err) {
    if (
      typeof (err as { code?: unknown }).code === 'string' &&
      String((err as { code: string }).code).startsWith('Z_')
    ) {
      throw new InputError(
        `${uri}: cannot decompress (${(err as Error).message}). Files whose name ends in .gz are read as gzip; ` +
          'rename the file if it is not compressed, or recompress it.',
        { file: uri },
        { cause: err },
      );
    }
    throw err;
  } finally {
    unzip.destroy();
  }
}

/** How many '\n' bytes the file has before `offset`. */
export async function countNewlines(files: InputFiles, uri: string, offset: number): Promise<number> {
  let count = 0;
  for await (const chunk of files.read(uri, { start: 0, end: offset })) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) count++;
  }
  return count;
}

/** "data/a.txt:120", counting the line number only when asked. */
export function positionIn(uri: string, batch: RangeBatch, k: number): string | Promise<string> {
  const n = batch.lineNumber(k);
  return typeof n === 'number' ? `${uri}:${n}` : n.then((m) => `${uri}:${m}`);
}
