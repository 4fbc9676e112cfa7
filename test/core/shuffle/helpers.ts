// Shared by the shuffle tests: chunked byte streams and scratch directories.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Splits `bytes` at the given cut points (any order, duplicates give empty chunks) into a stream. */
export async function* chunked(bytes: Buffer, cuts: readonly number[] = []): AsyncGenerator<Buffer> {
  const points = [...cuts.map((c) => Math.min(Math.max(0, c), bytes.length)), bytes.length].sort(
    (a, b) => a - b,
  );
  let start = 0;
  for (const point of points) {
    yield bytes.subarray(start, point);
    start = point;
  }
}

export async function collectBytes(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-shuffle-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
