import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { blobStoreContract } from '../../contracts/blob-store.ts';

const run = promisify(execFile);

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cloudreduce-fileblob-'));
}

async function withRoot(fn: (root: string, store: FileBlobStore) => Promise<void>): Promise<void> {
  const root = await tempRoot();
  try {
    await fn(root, new FileBlobStore(root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

blobStoreContract('FileBlobStore', async () => {
  const root = await tempRoot();
  return { store: new FileBlobStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

void describe('FileBlobStore', () => {
  void test('location is the file URL of the absolute root directory', () =>
    withRoot(async (root, store) => {
      assert.equal(store.location, pathToFileURL(root).href);
      assert.ok(store.location.startsWith('file:///'));
    }));

  void test('names that escape the root or are not plain relative paths are rejected with a ConfigError', () =>
    withRoot(async (_root, store) => {
      for (const name of [
        '../x',
        'a/../../x',
        '/etc/passwd',
        'a//b',
        'a/./b',
        '',
        'a/',
        'a\\b',
        '.partial/x',
      ]) {
        await assert.rejects(store.put(name, 'x'), (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.ok(err.message.includes(`Invalid object name ${JSON.stringify(name)}`), err.message);
          assert.match(err.message, /relative '\/'-separated paths without empty, '.' or '..' segments/);
          return true;
        });
      }
      await assert.rejects(store.get('../outside'), { name: 'ConfigError' });
      await assert.rejects(store.stat('/abs'), { name: 'ConfigError' });
      await assert.rejects(store.delete('a/../../b'), { name: 'ConfigError' });
      await assert.rejects(store.list('../')[Symbol.asyncIterator]().next(), /Invalid object prefix "\.\."/);
    }));

  void test('an invalid byte range is rejected with a ConfigError', () =>
    withRoot(async (_root, store) => {
      await store.put('obj', 'hello');
      await assert.rejects(store.read('obj', { start: 3, end: 2 })[Symbol.asyncIterator]().next(), {
        name: 'ConfigError',
        message:
          'Invalid byte range [3, 2) for "obj": start and end must be integers with 0 <= start <= end (end exclusive).',
      });
    }));

  void test('a range ending past the object fails instead of returning short data', () =>
    withRoot(async (_root, store) => {
      await store.put('obj', 'hello');
      await assert.rejects(store.read('obj', { start: 2, end: 9 })[Symbol.asyncIterator]().next(), {
        name: 'NonRetryableError',
        message: /Byte range \[2, 9\) of "obj" in file:.* ends past the object's 5 bytes/,
      });
    }));

  void test('a failing streamed put leaves neither the object nor a temp file behind', () =>
    withRoot(async (root, store) => {
      async function* broken(): AsyncIterable<Uint8Array> {
        yield Buffer.from('partial');
        throw new Error('source failed');
      }
      await assert.rejects(store.put('obj', broken()), /source failed/);
      assert.equal(await store.stat('obj'), undefined);
      assert.deepEqual(await readdir(join(root, '.partial')), []);
    }));

  void test('temp files are never listed and are gone after successful puts', () =>
    withRoot(async (root, store) => {
      await store.put('a', 'x');
      await store.put('a', 'y', { createOnly: true });
      assert.deepEqual(await readdir(join(root, '.partial')), []);
      const names = [];
      for await (const info of store.list('')) names.push(info.name);
      assert.deepEqual(names, ['a']);
    }));

  void test('deletePrefix also removes the directories it emptied', () =>
    withRoot(async (root, store) => {
      await store.put('tmp/run/0/map/1', 'x');
      await store.put('tmp/other/1', 'y');
      assert.equal(await store.deletePrefix('tmp/run/'), 1);
      assert.deepEqual(await readdir(join(root, 'tmp')), ['other']);
    }));

  void test('an object name that is a folder of another object is rejected with an explanation', () =>
    withRoot(async (_root, store) => {
      await store.put('a/b', 'x');
      await assert.rejects(
        store.put('a', 'y'),
        /Cannot write "a" .*a file and a directory would share that path/,
      );
      await assert.rejects(store.put('a', 'y', { createOnly: true }), { name: 'ConfigError' });
      await assert.rejects(store.put('a/b/c', 'y'), /Cannot write "a\/b\/c"/);
    }));

  void test('createOnly is race-safe across processes: each name is created by exactly one process', () =>
    withRoot(async (root, store) => {
      const child = new URL('./fixtures/create-only-child.ts', import.meta.url);
      const tags = ['p0', 'p1', 'p2', 'p3'];
      const count = 40;
      const outputs = await Promise.all(
        tags.map((tag) => run(process.execPath, [child.pathname, root, tag, String(count)])),
      );
      const createdBy = new Map<string, string>();
      outputs.forEach(({ stdout }, i) => {
        for (const name of JSON.parse(stdout) as string[]) {
          assert.ok(!createdBy.has(name), `${name} created twice`);
          createdBy.set(name, tags[i]!);
        }
      });
      assert.equal(createdBy.size, count);
      for (const [name, tag] of createdBy) assert.equal((await store.get(name)).toString(), `${tag}:${name}`);
    }));
});
