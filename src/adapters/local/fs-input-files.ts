// FsInputFiles: job input files on the local disk. Paths and globs are relative to a base directory
// (the working directory of `cloudreduce run`); a file's uri is its path as the user would write it
// ("data/a.txt"), so error messages point at something they recognise.

import { createReadStream } from 'node:fs';
import { glob, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import type { ByteRange } from '../../ports/blob-store.ts';
import type { InputFile, InputFiles } from '../../ports/input-files.ts';

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

  async *read(uri: string, range?: ByteRange): AsyncIterable<Buffer> {
    if (range && range.end <= range.start) return;
    const path = resolve(this.baseDir, uri);
    // createReadStream's `end` is inclusive.
    const stream = createReadStream(path, range ? { start: range.start, end: range.end - 1 } : {});
    for await (const chunk of stream) yield chunk as Buffer;
  }

  async #glob(pattern: string): Promise<InputFile[]> {
    const files: InputFile[] = [];
    for await (const match of glob(pattern, { cwd: this.baseDir })) {
      const info = await stat(resolve(this.baseDir, match));
      if (info.isFile()) files.push({ uri: this.#uriOf(match), size: info.size });
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
    return info.isFile() ? [{ uri: this.#uriOf(pattern), size: info.size }] : [];
  }

  /** The path relative to the base directory when inside it (with '/'), else absolute. */
  #uriOf(path: string): string {
    const abs = resolve(this.baseDir, path);
    const rel = relative(this.baseDir, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return abs;
    return rel.split(sep).join('/');
  }
}
