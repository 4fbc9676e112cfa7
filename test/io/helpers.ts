// Shared test helpers for inputs and outputs: an in-memory InputFiles that serves reads in tiny
// chunks (so line handling is exercised at every chunk boundary), temp dirs and an IoEnv builder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import type { EntityStore } from '../../src/ports/entity-store.ts';
import type { InputFile, InputFiles, PinnedFile, ReadOptions } from '../../src/ports/input-files.ts';
import type { ByteRange } from '../../src/ports/blob-store.ts';
import type {
  FinalizeContext,
  InputReader,
  InputRecord,
  InputSpec,
  IoEnv,
  SplitContext,
  TaskOutputContext,
} from '../../src/io/types.ts';
import type { Warehouse } from '../../src/ports/warehouse.ts';

export class MemoryInputFiles implements InputFiles {
  readonly files = new Map<string, Buffer>();
  readonly chunkBytes: number;
  /** Every ranged read, to check readers stay near their range. */
  readonly reads: { uri: string; range?: ByteRange }[] = [];

  constructor(files: Record<string, string | Buffer>, chunkBytes = 7) {
    for (const [uri, data] of Object.entries(files))
      this.files.set(uri, Buffer.isBuffer(data) ? data : Buffer.from(data));
    this.chunkBytes = chunkBytes;
  }

  async expand(patterns: readonly string[]): Promise<InputFile[]> {
    const out: InputFile[] = [];
    for (const pattern of patterns) {
      const data = this.files.get(pattern);
      if (!data) throw new ConfigError(`Input "${pattern}" matched no files (looked in memory).`);
      out.push({ uri: pattern, size: data.length });
    }
    return out;
  }

  async *read(
    uri: string,
    range?: ByteRange,
    _pinned?: PinnedFile,
    options?: ReadOptions,
  ): AsyncIterable<Buffer> {
    this.reads.push(range ? { uri, range } : { uri });
    const data = this.files.get(uri);
    if (!data) throw new Error(`no file ${uri}`);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? data.length, data.length);
    // With reuseChunks every chunk is the same memory, scribbled over once the reader moves on:
    // a reader that keeps a view of a chunk past the next one reads garbage and its test fails.
    const shared = options?.reuseChunks ? Buffer.alloc(this.chunkBytes) : undefined;
    for (let i = start; i < end; i += this.chunkBytes) {
      await Promise.resolve();
      const chunk = data.subarray(i, Math.min(end, i + this.chunkBytes));
      if (!shared) {
        yield chunk;
        continue;
      }
      chunk.copy(shared);
      yield shared.subarray(0, chunk.length);
      shared.fill(0x23); // '#'
    }
  }
}

export function gzip(text: string): Buffer {
  return gzipSync(Buffer.from(text));
}

function unused<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      if (prop === 'then') return undefined;
      throw new Error(`this test does not use the ${what} (touched .${String(prop)})`);
    },
  });
}

export function ioEnv(parts: Partial<IoEnv> = {}): IoEnv {
  return {
    files: parts.files ?? unused<InputFiles>('input files'),
    entities: parts.entities ?? unused<EntityStore>('entity store'),
    blobs: parts.blobs ?? unused<BlobStore>('blob store'),
    logger: parts.logger ?? silentLogger,
  };
}

export function splitContext(parts: Partial<SplitContext> = {}): SplitContext {
  return {
    ...ioEnv(parts),
    runId: parts.runId ?? 'run-1',
    stageOutputs: parts.stageOutputs ?? (async () => []),
  };
}

/** Splits, then reads every split; returns the records of each split. */
export async function readSplits<S extends InputSpec, R>(
  reader: InputReader<S, R>,
  spec: S,
  shards: number,
  ctx: SplitContext,
): Promise<InputRecord<R>[][]> {
  const splits = await reader.split(spec, shards, ctx);
  const out: InputRecord<R>[][] = [];
  // Descriptors travel as JSON in task records.
  for (const split of splits)
    out.push(await collect(reader.read(spec, JSON.parse(JSON.stringify(split.descriptor)), ctx)));
  return out;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-io-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The lines a file holds, by definition: split on '\n', no line after a final '\n', '\r' stripped. */
export function expectedLines(content: string): { offset: number; text: string; line: number }[] {
  if (content === '') return [];
  const parts = content.split('\n');
  if (content.endsWith('\n')) parts.pop();
  let offset = 0;
  return parts.map((raw, i) => {
    const line = { offset, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, line: i + 1 };
    offset += Buffer.byteLength(raw) + 1;
    return line;
  });
}

/** The context a task gives an output writer, for output "words" of stage "main", attempt 1. */
export function taskOutputContext(parts: Partial<TaskOutputContext> = {}): TaskOutputContext {
  return {
    ...ioEnv(parts),
    runId: parts.runId ?? 'run-1',
    job: parts.job ?? 'wordcount',
    stage: parts.stage ?? 0,
    stageName: parts.stageName ?? 'main',
    outputName: parts.outputName ?? 'words',
    taskId: parts.taskId ?? 's0-map-00000',
    attempt: parts.attempt ?? 1,
  };
}

export function finalizeContext(
  parts: Partial<FinalizeContext> & Pick<FinalizeContext, 'parts'>,
): FinalizeContext {
  const { taskId: _t, attempt: _a, ...base } = taskOutputContext(parts);
  return {
    ...base,
    warehouse: parts.warehouse ?? unused<Warehouse>('warehouse'),
    params: parts.params ?? {},
    parts: parts.parts,
    published: parts.published ?? 0,
    progress: parts.progress ?? (async () => {}),
  };
}

export async function readText(blobs: BlobStore, name: string): Promise<string> {
  return (await blobs.get(name)).toString('utf8');
}

export async function listNames(blobs: BlobStore, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const info of blobs.list(prefix)) names.push(info.name);
  return names;
}
