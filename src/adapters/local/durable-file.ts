// Small filesystem helpers for writers that must never expose a partial or non-durable file.

import { createWriteStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { BlobData } from '../../ports/blob-store.ts';

/** Writes a new file (failing if it exists) and fsyncs it before closing; returns its size. */
export async function writeDurably(path: string, data: BlobData): Promise<number> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await writeFile(path, bytes, { flag: 'wx', flush: true });
    return bytes.byteLength;
  }
  let size = 0;
  async function* counted(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      size += chunk.byteLength;
      yield chunk;
    }
  }
  await pipeline(counted(data), createWriteStream(path, { flags: 'wx', flush: true }));
  return size;
}

/** Makes a new directory entry durable; without it a power cut can lose a renamed file. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True for a Node system error with this `code` (ENOENT, EEXIST…). */
export function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Rethrows anything but "no such file": deleting what is already gone is success. */
export function ignoreMissing(err: unknown): void {
  if (!isCode(err, 'ENOENT')) throw err;
}
