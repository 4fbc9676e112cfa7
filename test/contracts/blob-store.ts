// The BlobStore contract: every adapter (FileBlobStore, GcsBlobStore on the fake GCS server) runs
// these tests. `make` must return an empty, isolated store (its own directory, bucket or prefix).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlobStore } from '../../src/ports/blob-store.ts';

export interface BlobStoreFixture {
  store: BlobStore;
  cleanup(): Promise<void>;
}

export async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function listNames(store: BlobStore, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const info of store.list(prefix)) names.push(info.name);
  return names;
}

/** Bytes 0..n-1 cycling through 0..250, so every range has recognisable content. */
function pattern(n: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = i % 251;
  return bytes;
}

async function* chunked(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield new Uint8Array(data.subarray(i, i + size));
  }
}

/** Asserts the error of a missing object: permanent, and naming the object. */
function isMissing(name: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'NonRetryableError');
    assert.match(err.message, /not found/);
    assert.ok(err.message.includes(name), `message should name "${name}": ${err.message}`);
    return true;
  };
}

export function blobStoreContract(name: string, make: () => Promise<BlobStoreFixture>): void {
  async function withStore(fn: (store: BlobStore) => Promise<void>): Promise<void> {
    const fixture = await make();
    try {
      await fn(fixture.store);
    } finally {
      await fixture.cleanup();
    }
  }

  void describe(`BlobStore contract: ${name}`, () => {
    void test('location names the backing store', () =>
      withStore(async (store) => {
        assert.match(store.location, /^(file|gs):\/\/./);
      }));

    void test('put of a Buffer, a Uint8Array and a string stores their bytes and reports the size', () =>
      withStore(async (store) => {
        assert.deepEqual(await store.put('a/buffer', Buffer.from('hello')), { created: true, size: 5 });
        assert.deepEqual(await store.put('a/bytes', new Uint8Array([1, 2, 3])), { created: true, size: 3 });
        assert.deepEqual(await store.put('a/text', 'héllo'), { created: true, size: 6 });
        assert.deepEqual(await store.get('a/buffer'), Buffer.from('hello'));
        assert.deepEqual(await store.get('a/bytes'), Buffer.from([1, 2, 3]));
        assert.equal((await store.get('a/text')).toString('utf8'), 'héllo');
      }));

    void test('put of an empty object stores zero bytes', () =>
      withStore(async (store) => {
        assert.deepEqual(await store.put('empty', ''), { created: true, size: 0 });
        assert.equal((await store.get('empty')).length, 0);
        assert.equal((await collect(store.read('empty'))).length, 0);
        assert.deepEqual(await store.stat('empty'), { name: 'empty', size: 0 });
      }));

    void test('put streams an async iterable and stores the concatenated chunks', () =>
      withStore(async (store) => {
        const data = pattern(300_000);
        assert.deepEqual(await store.put('stream/obj', chunked(data, 7_777)), {
          created: true,
          size: data.length,
        });
        assert.deepEqual(await store.get('stream/obj'), data);
      }));

    void test('put without createOnly replaces an existing object', () =>
      withStore(async (store) => {
        await store.put('x', 'first version');
        assert.deepEqual(await store.put('x', 'second'), { created: true, size: 6 });
        assert.equal((await store.get('x')).toString(), 'second');
      }));

    void test('createOnly put of an existing name returns created:false and leaves the object unchanged', () =>
      withStore(async (store) => {
        assert.equal((await store.put('once', 'winner', { createOnly: true })).created, true);
        const second = await store.put('once', 'loser!!', { createOnly: true });
        assert.equal(second.created, false);
        assert.equal((await store.get('once')).toString(), 'winner');
        assert.equal(second.size, 6, 'size of a lost race reports the stored object');
      }));

    void test('concurrent createOnly puts of one name: exactly one wins and its content is stored', () =>
      withStore(async (store) => {
        const contents = Array.from({ length: 8 }, (_, i) => `attempt-${i}-`.repeat(1000 + i));
        const results = await Promise.all(
          contents.map((c, i) =>
            store.put('race/obj', i % 2 ? Buffer.from(c) : chunked(Buffer.from(c), 999), {
              createOnly: true,
            }),
          ),
        );
        const winners = results.flatMap((r, i) => (r.created ? [i] : []));
        assert.equal(winners.length, 1, `exactly one winner, got ${JSON.stringify(winners)}`);
        assert.equal((await store.get('race/obj')).toString(), contents[winners[0]!]);
      }));

    void test('createOnly put succeeds again after the object was deleted', () =>
      withStore(async (store) => {
        await store.put('again', 'one', { createOnly: true });
        await store.delete('again');
        assert.equal((await store.put('again', 'two', { createOnly: true })).created, true);
        assert.equal((await store.get('again')).toString(), 'two');
      }));

    void test('read without a range streams the whole object', () =>
      withStore(async (store) => {
        const data = pattern(1_000_000);
        await store.put('big', data);
        assert.deepEqual(await collect(store.read('big')), data);
      }));

    void test('read with a byte range returns [start, end): first byte, last byte, empty, middle, whole', () =>
      withStore(async (store) => {
        const data = pattern(700_000);
        await store.put('ranged', data);
        const cases: [number, number][] = [
          [0, 1],
          [data.length - 1, data.length],
          [0, 0],
          [12_345, 12_345],
          [data.length, data.length],
          [100, 600_001],
          [0, data.length],
        ];
        for (const [start, end] of cases) {
          const got = await collect(store.read('ranged', { start, end }));
          assert.deepEqual(got, data.subarray(start, end), `range [${start}, ${end})`);
        }
      }));

    void test('get, read and ranged read of a missing object (or of a folder) fail with an error naming it', () =>
      withStore(async (store) => {
        await assert.rejects(store.get('no/such/object'), isMissing('no/such/object'));
        await assert.rejects(collect(store.read('no/such/object')), isMissing('no/such/object'));
        await assert.rejects(collect(store.read('missing', { start: 0, end: 5 })), isMissing('missing'));
        await store.put('folder/child', 'x');
        await assert.rejects(store.get('folder'), isMissing('folder'));
        await assert.rejects(collect(store.read('folder')), isMissing('folder'));
      }));

    void test('stat returns name and size, and undefined for a missing object', () =>
      withStore(async (store) => {
        await store.put('dir/file', pattern(1234));
        assert.deepEqual(await store.stat('dir/file'), { name: 'dir/file', size: 1234 });
        assert.equal(await store.stat('dir/nothing'), undefined);
        assert.equal(await store.stat('dir'), undefined, 'a folder of objects is not an object');
      }));

    void test('list returns every object under a prefix in name (byte) order with sizes', () =>
      withStore(async (store) => {
        const names = ['b', 'a/c/d', 'ab', 'a.txt', 'a/b', 'a/c-1', 'z/é', 'z/f', 'a/c/e'];
        for (const [i, n] of names.entries()) await store.put(n, 'x'.repeat(i));
        const byteOrder = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(await listNames(store, ''), byteOrder);
        const infos = [];
        for await (const info of store.list('a/c/')) infos.push(info);
        assert.deepEqual(infos, [
          { name: 'a/c/d', size: 1 },
          { name: 'a/c/e', size: 8 },
        ]);
      }));

    void test('list prefixes are plain string prefixes, not folders', () =>
      withStore(async (store) => {
        for (const n of ['run1/a', 'run1/b/c', 'run10/a', 'run2/a', 'run1x']) await store.put(n, '.');
        assert.deepEqual(await listNames(store, 'run1/'), ['run1/a', 'run1/b/c']);
        assert.deepEqual(await listNames(store, 'run1'), ['run1/a', 'run1/b/c', 'run10/a', 'run1x']);
        assert.deepEqual(await listNames(store, 'run1/b'), ['run1/b/c']);
        assert.deepEqual(await listNames(store, 'run3'), []);
        assert.deepEqual(await listNames(store, 'nothing/here/'), []);
      }));

    void test('delete removes an object and deleting a missing object succeeds', () =>
      withStore(async (store) => {
        await store.put('d/1', 'one');
        await store.put('d/2', 'two');
        await store.delete('d/1');
        assert.equal(await store.stat('d/1'), undefined);
        await assert.rejects(store.get('d/1'), isMissing('d/1'));
        assert.deepEqual(await listNames(store, 'd/'), ['d/2']);
        await store.delete('d/1');
      }));

    void test('deletePrefix deletes exactly the objects under the prefix and returns their count', () =>
      withStore(async (store) => {
        for (const n of [
          'tmp/r1/0/map/1',
          'tmp/r1/0/map/2',
          'tmp/r1/1/reduce/0',
          'tmp/r10/x',
          'out/r1/part-0',
        ]) {
          await store.put(n, n);
        }
        assert.equal(await store.deletePrefix('tmp/r1/'), 3);
        assert.deepEqual(await listNames(store, ''), ['out/r1/part-0', 'tmp/r10/x']);
        assert.equal(await store.deletePrefix('tmp/r1/'), 0);
        assert.equal(await store.deletePrefix('tmp/'), 1);
        assert.deepEqual(await listNames(store, ''), ['out/r1/part-0']);
      }));

    void test('a name can be written again after its prefix was deleted', () =>
      withStore(async (store) => {
        await store.put('tmp/r/obj', 'one');
        await store.deletePrefix('tmp/');
        await store.put('tmp/r/obj', 'two', { createOnly: true });
        assert.equal((await store.get('tmp/r/obj')).toString(), 'two');
      }));
  });
}
