// Cuts a byte stream into lines by '\n', a chunk at a time: each chunk's complete lines come out as
// one batch of (byte offset, text) pairs, decoded straight from the chunk. Lines are split on the
// byte, not on decoded text, so a multi-byte character cut between two chunks is never mangled and
// offsets stay exact for byte-range splits. Batches keep the per-line cost to an indexOf and a
// decode: no generator step, object or Buffer view per line (this is the map phase's hot path).

export interface LineBatch {
  /** Byte offset of each line's first byte in the file (or decompressed stream). */
  offsets: number[];
  /** Each line's text, without the '\n' and without a trailing '\r'. */
  texts: string[];
  /** Byte offset just past the last line (its '\n' included): where the line after it starts. */
  next: number;
}

export interface ScanOptions {
  /** Offset of the stream's first byte in the file. */
  start: number;
  /** Discard everything up to and including the first '\n' (the previous split owns that line). */
  skipFirst: boolean;
  /** Stop before a line that starts after this offset (inclusive bound, the predecessor's rule). */
  lastStart: number;
  /**
   * A line longer than this fails with an InputError naming `file` and the line's byte offset,
   * instead of growing until the worker runs out of memory. Default DEFAULTS.maxLineBytes.
   */
  maxLineBytes?: number;
  /** The file, for that error. */
  file?: string;
}

import { DEFAULTS } from '../../core/defaults.ts';
import { InputError } from '../../core/errors.ts';

const NL = 0x0a;
const CR = 0x0d;

export async function* scanLines(
  chunks: AsyncIterable<Buffer>,
  options: ScanOptions,
): AsyncGenerator<LineBatch> {
  let skipping = options.skipFirst;
  let pending: Buffer[] = [];
  let pendingStart = options.start;
  let pos = options.start; // offset of chunk[0]
  const done = () => !skipping && pending.length === 0 && pendingStart > options.lastStart;
  const max = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
  let pendingBytes = 0;
  const tooLong = (bytes: number): void => {
    if (bytes > max) throw lineTooLong(options.file ?? 'the input', pendingStart, max);
  };
  for await (const chunk of chunks) {
    const batch: LineBatch = { offsets: [], texts: [], next: 0 };
    let from = 0;
    while (from < chunk.length && !done()) {
      const nl = chunk.indexOf(NL, from);
      if (nl === -1) {
        if (!skipping) {
          // A copy: the chunk's memory may be handed out again for the next chunk (reuseChunks).
          pending.push(Buffer.from(chunk.subarray(from)));
          pendingBytes += chunk.length - from;
          tooLong(pendingBytes);
        }
        break;
      }
      if (skipping) skipping = false;
      else if (pending.length === 0) {
        tooLong(nl - from);
        batch.offsets.push(pendingStart);
        batch.texts.push(decode(chunk, from, nl));
      } else {
        pending.push(chunk.subarray(from, nl)); // concatenated (copied) before the next chunk
        tooLong(pendingBytes + nl - from);
        const line = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        batch.offsets.push(pendingStart);
        batch.texts.push(decode(line, 0, line.length));
      }
      pendingStart = pos + nl + 1;
      from = nl + 1;
    }
    pos += chunk.length;
    batch.next = pendingStart;
    if (batch.texts.length > 0) yield batch;
    if (done()) return;
  }
  // The last line of a file without a trailing newline (a file ending in '\n' has no such line).
  if (!skipping && pending.length > 0 && pendingStart <= options.lastStart) {
    const line = Buffer.concat(pending);
    yield {
      offsets: [pendingStart],
      texts: [decode(line, 0, line.length)],
      next: pendingStart + line.length,
    };
  }
}

export function lineTooLong(file: string, offset: number, max: number): InputError {
  const mib = (max / 2 ** 20).toFixed(max % 2 ** 20 === 0 ? 0 : 1);
  return new InputError(
    `${file}: the line starting at byte offset ${offset} is longer than ${mib} MiB, the most one record ` +
      'may have. Such a line is usually a file without newlines or a corrupt one; split the record into ' +
      'lines, or read the file with an input that does not need whole lines.',
    { file },
  );
}

function decode(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end > start && buf[end - 1] === CR ? end - 1 : end);
}
