// Reading the lines of one byte range, by the predecessor's rule: a range with start > 0 first
// discards everything up to and including the first '\n' at or after `start` (that line belongs to
// the previous range, even when it starts exactly at `start`), then reads lines while a line's
// first byte is at or before `end`. So every line is read by exactly one range whatever the cuts.
//
// The range is streamed; past `end` the reader fetches growing windows only until the last line
// is complete. A split does not know the line number it starts at: it is counted on demand, only
// when a position is needed (errors), by streaming the file up to the line.

import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../core/errors.ts';
import type { InputFiles } from '../../ports/input-files.ts';
import type { FileRange } from './file-splits.ts';
import { scanLines } from './line-scanner.ts';

const TAIL_FIRST_WINDOW_BYTES = 64 * 1024;
const TAIL_MAX_WINDOW_BYTES = 8 * 1024 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface RangeLine {
  /** 0-based index of the line within the range. */
  index: number;
  /** Byte offset of the line in the file (in the decompressed stream for .gz files). */
  offset: number;
  bytes: Buffer;
  /** The line's 1-based number in the file; a Promise when it must be counted first. */
  lineNumber: () => number | Promise<number>;
}

export async function* readRangeLines(files: InputFiles, range: FileRange): AsyncGenerator<RangeLine> {
  const chunks = range.gzip ? gunzip(files, range.uri) : readWithTail(files, range);
  const lines = scanLines(chunks, {
    start: range.start,
    skipFirst: range.start > 0,
    lastStart: range.gzip ? Infinity : range.end,
  });
  let base: Promise<number> | undefined;
  let index = 0;
  for await (const line of lines) {
    const i = index++;
    const { offset } = line;
    // A UTF-8 byte order mark is not part of the first line's text.
    const bytes = offset === 0 && line.bytes.subarray(0, 3).equals(BOM) ? line.bytes.subarray(3) : line.bytes;
    const lineNumber =
      range.start === 0
        ? () => i + 1
        : () => (base ??= countNewlines(files, range.uri, offset).then((n) => n + 1 - i)).then((b) => b + i);
    yield { index: i, offset, bytes, lineNumber };
  }
}

/** The range, then windows past its end until the consumer stops pulling (its last line is done). */
async function* readWithTail(files: InputFiles, range: FileRange): AsyncGenerator<Buffer> {
  yield* files.read(range.uri, { start: range.start, end: range.end });
  let pos = range.end;
  let window = TAIL_FIRST_WINDOW_BYTES;
  while (pos < range.size) {
    const end = Math.min(range.size, pos + window);
    yield* files.read(range.uri, { start: pos, end });
    pos = end;
    window = Math.min(window * 2, TAIL_MAX_WINDOW_BYTES);
  }
}

async function* gunzip(files: InputFiles, uri: string): AsyncGenerator<Buffer> {
  const unzip = createGunzip();
  const source = Readable.from(files.read(uri));
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
async function countNewlines(files: InputFiles, uri: string, offset: number): Promise<number> {
  let count = 0;
  for await (const chunk of files.read(uri, { start: 0, end: offset })) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) count++;
  }
  return count;
}

/** "data/a.txt:120", counting the line number only when asked. */
export function positionOf(uri: string, line: RangeLine): () => string | Promise<string> {
  return () => {
    const n = line.lineNumber();
    return typeof n === 'number' ? `${uri}:${n}` : n.then((k) => `${uri}:${k}`);
  };
}
