// FsInputFiles: job input files on the local disk. Paths and globs are relative to a base directory
// (the working directory of `cloudreduce run`); a file's uri is its path as the user would write it
// ("data/a.txt"), so error messages point at something they recognise.

import { createReadStream } from 'node:fs';
import { glob, open, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { ConfigError, InputError } from '../../core/errors.ts';
import type { ByteRange } from '../../ports/blob-store.ts';
import type { InputFile, InputFiles, PinnedFile, ReadOptions } from '../../ports/input-files.ts';

const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * The reusing reads (the line and block scanners): 4 MiB, so that a block of text-blocks' default
 * 1 MiB lies inside one read most of the time and is handed to `map` as a view, no copy, with its
 * bytes still in the CPU's cache from the read (docs/benchmarks.md, session 8).
 */
const REUSED_READ_BYTES = 4 * 1024 * 1024;

/** The reusing reads' buffer, kept per thread between reads (tasks read one range at a time). */
let spareReadBuffer: Buffer | undefined;
function takeReadBuffer(): Buffer {
  const buffer = spareReadBuffer ?? Buffer.allocUnsafe(REUSED_READ_BYTES);
  spareReadBuffer = undefined;
  return buffer;
}

/** The file (or range) read into one buffer, handed out again for every chunk (ReadOptions.reuseChunks). */
async function* readReusing(path: string, range?: ByteRange): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  const buffer = takeReadBuffer();
  let position = range?.start ?? 0;
  const end = range?.end ?? Infinity;
  try {
    while (position < end) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    spareReadBuffer = buffer;
    await handle.close();
  }
}

const GLOB_CHARS = /[*?[\]{}]/;

export class FsInputFiles implements InputFiles {
  readonly baseDir: string;

  constructor(baseDir: string) {
    this.baseDir = resolve(baseDir);
  }

  async expand(patterns: readonly string[]): Promise<InputFile[]> {
    const byPath = new Map<string, InputFile>();
    for (const pattern of patterns) {
      const matches = GLOB_CHARS.test(pattern) ? await this.#glob(pattern) : await this.#single(pattern);
      if (matches.length === 0) {
        throw new ConfigError(
          `Input "${pattern}" matched no files (looked in ${this.baseDir}). ` +
            'Check the path or pass --input PATH_OR_GLOB with a file or a glob such as "data/*.txt".',
        );
      }
      for (const file of matches) byPath.set(resolve(this.baseDir, file.uri), file);
    }
    return [...byPath.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  }

  /**
   * With `pinned`, the file must still have the planned size and modification time before and
   * after the range is read, and the range must come whole: a file rewritten or truncated while the
   * run reads it fails with an InputError instead of giving counts of half a file.
   */
  async *read(
    uri: string,
    range?: ByteRange,
    pinned?: PinnedFile,
    options: ReadOptions = {},
  ): AsyncIterable<Buffer> {
    if (range && range.end <= range.start) return;
    const path = resolve(this.baseDir, uri);
    if (pinned) checkPinned(uri, await stat(path), pinned);
    // createReadStream's `end` is inclusive. 1 MiB reads: a quarter of the system calls and chunk
    // steps of the 64 KiB default, which the line and block scanners pay per chunk.
    const chunks: AsyncIterable<Buffer> = options.reuseChunks
      ? readReusing(path, range)
      : createReadStream(path, {
          highWaterMark: READ_CHUNK_BYTES,
          ...(range ? { start: range.start, end: range.end - 1 } : {}),
        });
    let bytes = 0;
    for await (const chunk of chunks) {
      bytes += chunk.length;
      yield chunk;
    }
    if (!pinned) return;
    checkPinned(uri, await stat(path), pinned);
    const expected = range ? range.end - range.start : pinned.size;
    if (bytes !== expected)
      throw changedInput(uri, `${bytes} bytes could be read where ${expected} were planned`);
  }

  async #glob(pattern: string): Promise<InputFile[]> {
    const files: InputFile[] = [];
    for await (const match of glob(pattern, { cwd: this.baseDir })) {
      const info = await stat(resolve(this.baseDir, match));
      if (info.isFile()) files.push({ uri: this.#uriOf(match), size: info.size, version: versionOf(info) });
    }
    return files;
  }

  async #single(pattern: string): Promise<InputFile[]> {
    const path = resolve(this.baseDir, pattern);
    const info = await stat(path).catch(() => undefined);
    if (!info) return [];
    if (info.isDirectory()) {
      throw new ConfigError(
        `Input "${pattern}" is a directory (in ${this.baseDir}); inputs are files. ` +
          `Use a glob for the files in it, e.g. --input "${join(pattern, '*')}".`,
      );
    }
    return info.isFile() ? [{ uri: this.#uriOf(pattern), size: info.size, version: versionOf(info) }] : [];
  }

  /** The path relative to the base directory when inside it (with '/'), else absolute. */
  #uriOf(path: string): string {
    const abs = resolve(this.baseDir, path);
    const rel = relative(this.baseDir, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return abs;
    return rel.split(sep).join('/');
  }
}

/** The modification time, to the nanosecond where the file system keeps it. */
function versionOf(info: Stats): string {
  return `mtime:${info.mtimeMs}`;
}

function checkPinned(uri: string, info: Stats, pinned: PinnedFile): void {
  if (info.size !== pinned.size)
    throw changedInput(uri, `its size is ${info.size} bytes where ${pinned.size} were planned`);
  if (pinned.version !== undefined && versionOf(info) !== pinned.version)
    throw changedInput(uri, `it was modified (${versionOf(info)}, planned ${pinned.version})`);
}

function changedInput(uri: string, what: string): InputError {
  return new InputError(
    `${uri} changed while the run was reading it: ${what}. A run reads its inputs as they were when it ` +
      'started; let the file be complete (write it elsewhere and move it in place) and run the job again.',
    { file: uri },
  );
}
