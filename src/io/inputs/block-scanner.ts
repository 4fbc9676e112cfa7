// Cuts a byte stream into blocks of whole lines, by the same ownership rule as line-scanner.ts (a
// cut range skips its first partial line and reads every line that starts at or before
// `lastStart`), but without decoding: each block is the raw bytes of consecutive complete lines,
// '\n' separators included. A job that scans bytes itself (text-blocks.ts) pays one Buffer per
// block instead of a string and an object per line.

import { DEFAULTS } from '../../core/defaults.ts';
import { lineTooLong, type ScanOptions } from './line-scanner.ts';

export interface ByteBlock {
  /** Offset of the block's first byte (the start of a line) in the file or decompressed stream. */
  offset: number;
  /** Whole lines, each ending in '\n' except perhaps the file's last one. */
  bytes: Buffer;
  /** Offset just past the block: where the next line starts. */
  next: number;
}

export interface BlockScanOptions extends ScanOptions {
  /** A block is yielded once it holds at least this many bytes (or the range ends). */
  blockBytes: number;
}

const NL = 0x0a;

/**
 * A block ends with the line that holds its `blockBytes`-th byte, or with the range's last line:
 * cuts depend on the bytes alone, not on how the stream was chunked, so the rest of a split
 * resumed after a block (a checkpoint) cuts the same blocks the whole split would have.
 *
 * Blocks are views of ONE buffer, reused: a block's bytes are valid until the consumer asks for
 * the next block. (A fresh multi-MiB buffer per block cost more than the copy: new memory is
 * page-faulted in, about 0.1 s per 16 MiB on the benchmark machine.)
 */
export async function* scanBlocks(
  chunks: AsyncIterable<Buffer>,
  options: BlockScanOptions,
): AsyncGenerator<ByteBlock> {
  const max = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
  const { lastStart, blockBytes } = options;
  let skipping = options.skipFirst;
  let pos = options.start; // offset of the current chunk's first byte
  // buf[0, used) holds the bytes from blockStart on; a block is always all of them.
  let buf = takeSpare();
  let used = 0;
  let blockStart = options.start;
  let lineStart = options.start; // where the line being read starts
  const append = (bytes: Buffer): void => {
    if (used + bytes.length > buf.length) {
      // Straight to a whole block's size, not by doubling: an untouched allocation costs nothing,
      // but every doubling step is fresh memory faulted in by the copy (48 MiB touched on the way
      // to a 17 MiB buffer, about 0.2 s of a worker's first task on the benchmark machine).
      // (A block is never longer than what is left of the range plus a line's tail.)
      const block = Math.min(blockBytes, lastStart - blockStart + 1) + bytes.length;
      const bigger = Buffer.allocUnsafe(Math.max(used + bytes.length, block, 2 * buf.length, 64 * 1024));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    bytes.copy(buf, used);
    used += bytes.length;
  };
  /** The bytes held as a block; the buffer is reused once the consumer asks for the next one. */
  const take = (): ByteBlock => {
    const block = { offset: blockStart, bytes: buf.subarray(0, used), next: blockStart + used };
    blockStart += used;
    used = 0;
    return block;
  };
  const view = (bytes: Buffer): ByteBlock => {
    const block = { offset: blockStart, bytes, next: blockStart + bytes.length };
    blockStart += bytes.length;
    return block;
  };
  try {
    for await (const chunk of chunks) {
      let from = 0;
      if (skipping) {
        const nl = chunk.indexOf(NL);
        if (nl === -1) {
          pos += chunk.length;
          continue;
        }
        skipping = false;
        from = nl + 1;
        blockStart = lineStart = pos + from;
      }
      if (blockStart > lastStart) return;
      for (;;) {
        // The block (or the range) ends at the first '\n' at or after this offset.
        const endsAfter = Math.min(blockStart + blockBytes - 1, lastStart);
        const nl = chunk.indexOf(NL, Math.max(from, endsAfter - pos));
        if (nl === -1) break;
        if (used === 0) {
          // The whole block is in this chunk: hand out a view of it, no copy. The chunk stays
          // unread-over until the scanner asks for the next one, which is after the consumer has
          // asked for the next block (the same validity as the block buffer's).
          yield view(chunk.subarray(from, nl + 1));
        } else {
          append(chunk.subarray(from, nl + 1));
          yield take();
        }
        if (pos + nl >= lastStart) return;
        from = nl + 1;
      }
      if (from < chunk.length) append(from === 0 ? chunk : chunk.subarray(from));
      const lastNl = chunk.lastIndexOf(NL);
      if (lastNl !== -1) lineStart = Math.max(lineStart, pos + lastNl + 1);
      pos += chunk.length;
      if (pos - lineStart > max) throw lineTooLong(options.file ?? 'the input', lineStart, max);
    }
    // The range's last block: its lines run to the end of the stream (the last may lack a '\n').
    if (!skipping && used > 0 && blockStart <= lastStart) yield take();
  } finally {
    keepSpare(buf);
  }
}

/**
 * One block buffer kept per thread between ranges (a map task reads its ranges one after another,
 * and tasks run one at a time per worker): touching new memory is what costs, not copying into
 * memory already touched. Buffers past SPARE_MAX_BYTES are left to the garbage collector.
 */
let spare: Buffer | undefined;
const SPARE_MAX_BYTES = 64 * 1024 * 1024;

function takeSpare(): Buffer {
  const buf = spare ?? Buffer.allocUnsafe(0);
  spare = undefined;
  return buf;
}

function keepSpare(buf: Buffer): void {
  if (buf.length <= SPARE_MAX_BYTES && (!spare || buf.length > spare.length)) spare = buf;
}
