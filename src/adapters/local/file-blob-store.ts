// FileBlobStore: the BlobStore of the local embedded mode, one file per object under a root
// directory. Writers never expose partial objects: data goes to a private temp file first and is
// then renamed (overwrite) or hard-linked (create-only) into place. link(2) fails with EEXIST when
// the name exists, atomically, across threads and processes: the same guarantee as GCS
// `ifGenerationMatch: 0`. Objects are fsynced before they appear, so a task committed in the
// state store (synchronous=FULL) never points at an object lost in a power cut.
//
// Not emulated: GCS lets "a" and "a/b" coexist; a filesystem does not, so writing one of them when
// the other exists fails. The engine's names never collide that way.

import { link, lstat, mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, NonRetryableError } from '../../core/errors.ts';
import type { BlobData, BlobInfo, BlobStore, ByteRange, PutOptions } from '../../ports/blob-store.ts';
import { ignoreMissing, isCode, syncDir, writeDurably } from './durable-file.ts';

/** Reserved top-level directory for in-progress writes; never listed, never a valid name. */
const TEMP_DIR = '.partial';
const READ_CHUNK_BYTES = 256 * 1024;

export class FileBlobStore implements BlobStore {
  readonly location: string;
  readonly #root: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
    this.location = pathToFileURL(this.#root).href;
  }

  async put(
    name: string,
    data: BlobData,
    options: PutOptions = {},
  ): Promise<{ created: boolean; size: number }> {
    const target = this.#path(name);
    const tempDir = join(this.#root, TEMP_DIR);
    await mkdir(tempDir, { recursive: true });
    const temp = join(tempDir, randomUUID());
    try {
      const size = await writeDurably(temp, data);
      const created = await this.#publish(name, temp, target, options.createOnly === true);
      return { created, size: created ? size : await this.#sizeOf(name, target) };
    } finally {
      await unlink(temp).catch(ignoreMissing);
    }
  }

  async get(name: string): Promise<Buffer> {
    const path = this.#path(name);
    try {
      return await readFile(path);
    } catch (err) {
      throw this.#readError(name, err);
    }
  }

  async *read(name: string, range?: ByteRange): AsyncIterable<Buffer> {
    const path = this.#path(name);
    if (range) checkRange(name, range);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw this.#readError(name, err);
    }
    try {
      // Reading from one open handle means a concurrent overwrite (rename) cannot mix two versions.
      const info = await handle.stat();
      if (!info.isFile())
        throw this.#readError(name, Object.assign(new Error('not a file'), { code: 'EISDIR' }));
      const { size } = info;
      const start = range?.start ?? 0;
      const end = range?.end ?? size;
      if (end > size) {
        throw new NonRetryableError(
          `Byte range [${start}, ${end}) of "${name}" in ${this.location} ends past the object's ${size} bytes; ` +
            'ranges must come from the partition index written with the object.',
        );
      }
      for (let pos = start; pos < end;) {
        const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, end - pos));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const info = await lstat(this.#path(name));
      return info.isFile() ? { name, size: info.size } : undefined;
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const partial = prefix.slice(slash + 1);
    if (dirPart !== '') this.#path(dirPart.slice(0, -1), 'prefix');
    yield* this.#walk(dirPart, partial);
  }

  async delete(name: string): Promise<void> {
    // Idempotent, like every cleanup under at-least-once delivery: a missing object is not an error.
    await unlink(this.#path(name)).catch(ignoreMissing);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for await (const blob of this.list(prefix)) {
      try {
        await unlink(join(this.#root, blob.name));
        deleted++;
      } catch (err) {
        ignoreMissing(err);
      }
    }
    const slash = prefix.lastIndexOf('/');
    const dir = prefix.slice(0, slash + 1);
    const partial = prefix.slice(slash + 1);
    await this.#pruneEmptyDirs(dir, partial);
    // "tmp/run/" covers the folder tmp/run itself too.
    if (partial === '' && dir !== '') await rmdir(join(this.#root, dir)).catch(() => {});
    return deleted;
  }

  /** Moves a finished temp file to its name; false when createOnly found the name taken. */
  async #publish(name: string, temp: string, target: string, createOnly: boolean): Promise<boolean> {
    // A concurrent deletePrefix may remove the parent directory between mkdir and link: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true });
      } catch (err) {
        if (isCode(err, 'EEXIST') || isCode(err, 'ENOTDIR')) throw this.#collision(name);
        throw err;
      }
      try {
        if (createOnly) await link(temp, target);
        else await rename(temp, target);
        await syncDir(dirname(target));
        return true;
      } catch (err) {
        if (createOnly && isCode(err, 'EEXIST')) {
          if ((await lstat(target)).isDirectory()) throw this.#collision(name);
          return false;
        }
        if (isCode(err, 'EISDIR') || isCode(err, 'ENOTDIR')) throw this.#collision(name);
        if (!isCode(err, 'ENOENT') || attempt >= 5) throw err;
      }
    }
  }

  async #sizeOf(name: string, path: string): Promise<number> {
    try {
      return (await lstat(path)).size;
    } catch (err) {
      throw this.#readError(name, err);
    }
  }

  /** Yields files under `dir` (a name prefix ending in '/' or '') whose entry name starts with `partial`. */
  async *#walk(dir: string, partial: string): AsyncGenerator<BlobInfo> {
    let entries;
    try {
      entries = await readdir(join(this.#root, dir), { withFileTypes: true });
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return;
      throw err;
    }
    // Sorting a directory as "name/" makes a depth-first walk emit full names in byte order
    // ("a.txt" < "a/b" because '.' < '/').
    const sorted = entries
      .filter((e) => e.name.startsWith(partial) && !(dir === '' && e.name === TEMP_DIR))
      .map((e) => ({ entry: e, key: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name) }))
      .sort((a, b) => Buffer.compare(a.key, b.key));
    for (const { entry } of sorted) {
      const name = dir + entry.name;
      if (entry.isDirectory()) {
        yield* this.#walk(`${name}/`, '');
      } else if (entry.isFile()) {
        const info = await this.stat(name);
        if (info) yield info;
      }
    }
  }

  /** Removes directories left empty under a prefix, deepest first; busy ones stay. */
  async #pruneEmptyDirs(dir: string, partial: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.#root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || !entry.name.startsWith(partial)) continue;
      if (dir === '' && entry.name === TEMP_DIR) continue;
      await this.#pruneEmptyDirs(`${dir}${entry.name}/`, '');
      await rmdir(join(this.#root, dir, entry.name)).catch(() => {});
    }
  }

  #path(name: string, what: 'name' | 'prefix' = 'name'): string {
    const segments = name.split('/');
    const bad =
      name === '' ||
      name.includes('\\') ||
      name.includes('\0') ||
      segments.some((s) => s === '' || s === '.' || s === '..') ||
      segments[0] === TEMP_DIR;
    if (bad) {
      throw new ConfigError(
        `Invalid object ${what} ${JSON.stringify(name)} for ${this.location}: names are relative ` +
          `'/'-separated paths without empty, '.' or '..' segments, backslashes or NUL, and may not start ` +
          `with "${TEMP_DIR}/". Use a name like "tmp/<runId>/0/map/00001/1".`,
      );
    }
    return join(this.#root, ...segments);
  }

  #readError(name: string, err: unknown): Error {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR') || isCode(err, 'EISDIR')) {
      return new NonRetryableError(
        `Object "${name}" not found in ${this.location}. Only read objects named in committed task records; ` +
          'a missing one was deleted (run cleanup) or never written.',
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  #collision(name: string): ConfigError {
    return new ConfigError(
      `Cannot write "${name}" in ${this.location}: a file and a directory would share that path. ` +
        'A local store cannot hold both "a" and "a/b"; choose names where no object name is a folder of another.',
    );
  }
}

function checkRange(name: string, range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new ConfigError(
      `Invalid byte range [${start}, ${end}) for "${name}": start and end must be integers with ` +
        '0 <= start <= end (end exclusive).',
    );
  }
}
