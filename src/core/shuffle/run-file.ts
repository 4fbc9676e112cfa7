// Spill runs on local disk: written in large batches (one writev per few MiB), read back by ranges.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Chunks gathered before one writev. */
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;

/** Writes `chunks` to a new file (it must not exist). */
export async function writeChunks(
  path: string,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  const file = await open(path, 'wx');
  try {
    let batch: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of chunks) {
      batch.push(chunk);
      bytes += chunk.length;
      if (bytes >= WRITE_BATCH_BYTES) {
        await writeAll(file, batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) await writeAll(file, batch);
  } finally {
    await file.close();
  }
}

/** Reads `length` bytes at `offset` as a stream of chunks of at most `chunkBytes`. */
export async function* readRange(
  file: FileHandle,
  range: { offset: number; length: number },
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let position = range.offset;
  const end = range.offset + range.length;
  while (position < end) {
    const want = Math.min(chunkBytes, end - position);
    // A fresh buffer per read: the decoder may keep a slice of it for a record split across chunks.
    const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(want), 0, want, position);
    if (bytesRead === 0) {
      throw new Error(
        `Spill run is shorter than its index says: no bytes at offset ${position}, expected data up to ${end}.`,
      );
    }
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function writeAll(file: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest);
    rest = dropBytes(rest, bytesWritten);
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i]!.length) n -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}
