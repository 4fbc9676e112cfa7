import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsInputFiles } from '../../../src/adapters/local/fs-input-files.ts';
import type { InputFile } from '../../../src/ports/input-files.ts';
import { textInput, textReader } from '../../../src/io/inputs/text.ts';
import { collect, readSplits, splitContext, withTempDir } from '../../io/helpers.ts';

async function fixture(dir: string): Promise<void> {
  await mkdir(join(dir, 'data', 'sub.txt'), { recursive: true }); // a directory that matches *.txt
  await writeFile(join(dir, 'data', 'b.txt'), 'b1\nb2\n');
  await writeFile(join(dir, 'data', 'a.txt'), 'a1\na2\na3');
  await writeFile(join(dir, 'data', 'c.csv'), 'x,y\n');
}

const sizes = (files: readonly InputFile[]) => files.map(({ uri, size }) => ({ uri, size }));

describe('FsInputFiles', () => {
  test('expands globs relative to the base dir: sorted, deduplicated, directories skipped', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const files = new FsInputFiles(dir);
      const expanded = await files.expand(['data/*.txt', 'data/a.txt', 'data/*']);
      // Each file is pinned by its modification time (see the snapshot tests in test/io/inputs).
      for (const f of expanded) assert.match(f.version ?? '', /^mtime:\d+(\.\d+)?$/);
      assert.deepEqual(sizes(expanded), [
        { uri: 'data/a.txt', size: 8 },
        { uri: 'data/b.txt', size: 6 },
        { uri: 'data/c.csv', size: 4 },
      ]);
    });
  });

  test('keeps absolute paths outside the base dir absolute', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const files = new FsInputFiles(join(dir, 'data', 'sub.txt'));
      const abs = join(dir, 'data', 'a.txt');
      assert.deepEqual(sizes(await files.expand([abs])), [{ uri: abs, size: 8 }]);
      assert.deepEqual(sizes(await files.expand(['../b.txt'])), [
        { uri: join(dir, 'data', 'b.txt'), size: 6 },
      ]);
    });
  });

  test('a pattern that matches no file says where it looked and how to fix it', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const files = new FsInputFiles(dir);
      for (const pattern of ['data/*.json', 'data/missing.txt', 'data/sub.*']) {
        await assert.rejects(files.expand([pattern]), {
          name: 'ConfigError',
          message: `Input "${pattern}" matched no files (looked in ${dir}). Check the path or pass --input PATH_OR_GLOB with a file or a glob such as "data/*.txt".`,
        });
      }
    });
  });

  test('a directory named as an input suggests a glob', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      await assert.rejects(new FsInputFiles(dir).expand(['data']), {
        name: 'ConfigError',
        message: `Input "data" is a directory (in ${dir}); inputs are files. Use a glob for the files in it, e.g. --input "data/*".`,
      });
    });
  });

  test('reads whole files and byte ranges', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const files = new FsInputFiles(dir);
      assert.equal(Buffer.concat(await collect(files.read('data/a.txt'))).toString(), 'a1\na2\na3');
      assert.equal(
        Buffer.concat(await collect(files.read('data/a.txt', { start: 3, end: 5 }))).toString(),
        'a2',
      );
      assert.deepEqual(await collect(files.read('data/a.txt', { start: 3, end: 3 })), []);
    });
  });

  test('reusing reads hand out one buffer, with the same bytes and the same pin checks', async () => {
    await withTempDir(async (dir) => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 5, 'abcdefg\n');
      await writeFile(join(dir, 'big.txt'), big);
      const files = new FsInputFiles(dir);
      const [file] = await files.expand(['big.txt']);
      const pin = { size: file!.size, version: file!.version! };
      const reuse = { reuseChunks: true };
      const copies: Buffer[] = [];
      const memory = new Set<ArrayBufferLike>();
      for await (const chunk of files.read('big.txt', { start: 7, end: big.length - 2 }, pin, reuse)) {
        copies.push(Buffer.from(chunk));
        memory.add(chunk.buffer);
      }
      assert.deepEqual(Buffer.concat(copies), big.subarray(7, big.length - 2));
      assert.equal(memory.size, 1, 'every chunk is the same memory');
      await writeFile(join(dir, 'big.txt'), 'shorter\n');
      await assert.rejects(collect(files.read('big.txt', undefined, pin, reuse)), { name: 'InputError' });
    });
  });

  test('feeds the text reader from disk', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const files = new FsInputFiles(dir);
      const splits = await readSplits(
        textReader,
        textInput('data/*.txt', { minSplitBytes: 1 }),
        3,
        splitContext({ files }),
      );
      assert.deepEqual(
        splits.flat().map((r) => `${r.value.file}@${r.value.offset}:${r.value.text}`),
        ['data/a.txt@0:a1', 'data/a.txt@3:a2', 'data/a.txt@6:a3', 'data/b.txt@0:b1', 'data/b.txt@3:b2'],
      );
    });
  });
});
