// Text files as blocks of whole lines, undecoded: the input for map functions that scan bytes
// themselves (a tokenizer over a Buffer, counting as it goes) and would only pay for a string and
// an object per line. Same files, globs, splits, gzip, pinning and checkpoints as input.text();
// every line is in exactly one block of exactly one split.

import { ConfigError } from '../../core/errors.ts';
import { recordsOf } from '../batches.ts';
import type { InputFiles } from '../../ports/input-files.ts';
import type { InputReader, RecordBatch } from '../types.ts';
import { scanBlocks, type ByteBlock } from './block-scanner.ts';
import { countNewlines, rangeChunks, restOfRange, scanOptions } from './file-lines.ts';
import {
  pathList,
  rangesOf,
  restOfSplit,
  splitFiles,
  type FileInputOptions,
  type FileInputSpec,
} from './file-splits.ts';

export const DEFAULT_BLOCK_BYTES = 1024 * 1024;
const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

export interface TextBlocksOptions extends FileInputOptions {
  /**
   * A block holds at least this many bytes of whole lines, except a range's last (default 1 MiB).
   * A block inside one read is a view of the read's buffer (no copy, bytes still in cache); larger
   * blocks are gathered into a buffer of their size first. Map calls cost little at 1 MiB.
   */
  readonly blockBytes?: number;
}

export interface TextBlocksInputSpec extends FileInputSpec {
  readonly type: 'text-blocks';
  readonly blockBytes?: number;
}

export interface TextBlock {
  file: string;
  /** Byte offset of the block's first byte in the file (in the decompressed stream for .gz). */
  offset: number;
  /**
   * Whole lines as raw bytes, each ending in '\n' except perhaps the file's last line; a '\r'
   * before the '\n' is kept. A UTF-8 byte order mark at the start of the file is not included.
   *
   * The memory is reused for the next block once the map function has returned (or its promise
   * has settled), as Hadoop reuses its Text objects: copy what you keep (`Buffer.from(bytes)`,
   * or a string of it). A fresh buffer per block cost more than the block's own processing.
   */
  bytes: Buffer;
}

export function textBlocksInput(
  paths?: string | readonly string[],
  options: TextBlocksOptions = {},
): TextBlocksInputSpec {
  const size = options.blockBytes;
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_BLOCK_BYTES)) {
    throw new ConfigError(
      `input.textBlocks(): blockBytes must be a whole number of bytes from 1 to ${MAX_BLOCK_BYTES} ` +
        `(256 MiB); got ${String(size)}. Leave it out for the default of 1 MiB.`,
    );
  }
  const list = pathList(paths);
  return { type: 'text-blocks', ...(list ? { paths: list } : {}), ...options };
}

const BOM = [0xef, 0xbb, 0xbf];

async function* blockBatches(
  spec: TextBlocksInputSpec,
  descriptor: unknown,
  files: InputFiles,
): AsyncGenerator<RecordBatch<TextBlock>> {
  const ranges = rangesOf(descriptor);
  const blockBytes = spec.blockBytes ?? DEFAULT_BLOCK_BYTES;
  for (const [r, range] of ranges.entries()) {
    const file = range.uri;
    // The scanner is done with a chunk (its blocks handed out, or the rest copied into its block
    // buffer) before it asks for the next one.
    const chunks = rangeChunks(files, range, { reuseChunks: true });
    const blocks = scanBlocks(chunks, { ...scanOptions(range), blockBytes });
    for await (const block of blocks) {
      const value = { file, ...withoutByteOrderMark(block) };
      yield {
        values: [value],
        position: () => blockPosition(files, range.uri, block),
        resumeAfter: () => restOfSplit(ranges, r, restOfRange(range, block.next)),
      };
    }
  }
}

function withoutByteOrderMark(block: ByteBlock): { offset: number; bytes: Buffer } {
  const { offset, bytes } = block;
  if (offset === 0 && BOM.every((b, i) => bytes[i] === b)) return { offset: 3, bytes: bytes.subarray(3) };
  return { offset, bytes };
}

/**
 * "data/a.txt:120 (the block of 1048602 bytes from byte 4096)": the line number is counted from the
 * file, only when an error needs it (the block's own memory may hold the next block by then).
 */
async function blockPosition(files: InputFiles, uri: string, block: ByteBlock): Promise<string> {
  const length = block.next - block.offset;
  const line = (await countNewlines(files, uri, block.offset)) + 1;
  return `${uri}:${line} (the block of ${length} bytes from byte ${block.offset})`;
}

export const textBlocksReader: InputReader<TextBlocksInputSpec, TextBlock> = {
  type: 'text-blocks',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  read: (spec, descriptor, env) => recordsOf(blockBatches(spec, descriptor, env.files)),
  readBatches: (spec, descriptor, env) => blockBatches(spec, descriptor, env.files),
};
