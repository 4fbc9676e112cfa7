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
 */
export async function* scanBlocks(
  chunks: AsyncIterable<Buffer>,
  options: BlockScanOptions,
): AsyncGenerator<ByteBlock> {
  const max = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
  const { lastStart, blockBytes } = options;
  let skipping = options.skipFirst;
  let pos = options.start; // offset of the current chunk's first byte
  // Bytes from blockStart up to the end of the chunks seen, not yet yielded.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let blockStart = options.start;
  let lineStart = options.start; // where the line being read starts
  const take = (end: number): ByteBlock => {
    const all = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    const block = { offset: blockStart, bytes: all.subarray(0, end - blockStart), next: end };
    const rest = all.subarray(end - blockStart);
    held = rest.length > 0 ? [rest] : [];
    heldBytes = rest.length;
    blockStart = end;
    return block;
  };
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
    if (from < chunk.length) {
      held.push(from === 0 ? chunk : chunk.subarray(from));
      heldBytes += chunk.length - from;
    }
    for (;;) {
      // The block (or the range) ends at the first '\n' at or after this offset.
      const endsAfter = Math.min(blockStart + blockBytes - 1, lastStart);
      const nl = chunk.indexOf(NL, Math.max(from, endsAfter - pos));
      if (nl === -1) break;
      const block = take(pos + nl + 1);
      yield block;
      if (pos + nl >= lastStart) return;
      from = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl !== -1) lineStart = Math.max(lineStart, pos + lastNl + 1);
    pos += chunk.length;
    if (pos - lineStart > max) throw lineTooLong(options.file ?? 'the input', lineStart, max);
  }
  // The range's last block: its lines run to the end of the stream (the last may lack a '\n').
  if (!skipping && heldBytes > 0 && blockStart <= lastStart) yield take(blockStart + heldBytes);
}
