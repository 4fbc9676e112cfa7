import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { GcsBlobStore } from '../../../src/adapters/gcp/gcs-blob-store.ts';
import type { GcsBlobStoreOptions } from '../../../src/adapters/gcp/gcs-blob-store.ts';
import { blobStoreContract, collect } from '../../contracts/blob-store.ts';
import { startGcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';
import type { GcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';

let fake: GcsFake;
before(async () => {
  fake = await startGcsFake();
});
after(() => fake.close());

function newBucket(): string {
  const bucket = `test-${randomUUID()}`;
  fake.createBucket(bucket);
  return bucket;
}

function makeStore(options: Partial<GcsBlobStoreOptions> = {}): GcsBlobStore {
  return new GcsBlobStore({ bucket: newBucket(), apiEndpoint: fake.endpoint, projectId: 'test', ...options });
}

async function* chunks(total: number, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < total; i += size) yield Buffer.alloc(Math.min(size, total - i), i % 251);
}

blobStoreContract('GcsBlobStore on the GCS fake', async () => ({
  store: makeStore({ prefix: 'engine' }),
  cleanup: async () => {},
}));

blobStoreContract('GcsBlobStore on the GCS fake, small resumable threshold', async () => ({
  store: makeStore({ resumableThresholdBytes: 256 * 1024, chunkBytes: 256 * 1024 }),
  cleanup: async () => {},
}));

void describe('GcsBlobStore', () => {
  void test('location is gs://bucket/prefix and objects are stored under the prefix', async () => {
    const bucket = newBucket();
    const store = new GcsBlobStore({
      bucket,
      prefix: '/cr/work/',
      apiEndpoint: fake.endpoint,
      projectId: 't',
    });
    assert.equal(store.location, `gs://${bucket}/cr/work`);
    await store.put('tmp/a', 'x');
    assert.equal(fake.getObject(bucket, 'cr/work/tmp/a')?.toString(), 'x');
    const names = [];
    for await (const info of store.list('')) names.push(info.name);
    assert.deepEqual(names, ['tmp/a']);
  });

  void test('a small put is one multipart request; create-only sends ifGenerationMatch=0', async () => {
    const store = makeStore();
    const before = fake.requests.length;
    await store.put('small', 'abc', { createOnly: true });
    const sent = fake.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.match(
      sent[0]!,
      /^POST \/upload\/storage\/v1\/b\/[^/]+\/o\?uploadType=multipart.*ifGenerationMatch=0/,
    );
  });

  void test('a stream larger than the threshold is sent as a resumable upload in chunks', async () => {
    const chunkBytes = 256 * 1024;
    const store = makeStore({ resumableThresholdBytes: chunkBytes, chunkBytes });
    const before = fake.requests.length;
    const total = 3 * chunkBytes + 1000;
    assert.deepEqual(await store.put('big', chunks(total, 10_000)), { created: true, size: total });
    const sent = fake.requests.slice(before);
    assert.equal(sent.filter((r) => r.startsWith('POST ') && r.includes('uploadType=resumable')).length, 1);
    assert.equal(sent.filter((r) => r.startsWith('PUT ')).length, 4, sent.join('\n'));
    assert.equal((await store.get('big')).length, total);
  });

  void test('a create-only put that finds identical bytes stored reports created (a retry whose response was lost)', async () => {
    const store = makeStore();
    await store.put('obj', 'same bytes');
    assert.deepEqual(await store.put('obj', 'same bytes', { createOnly: true }), { created: true, size: 10 });
    assert.deepEqual(await store.put('obj', 'other bytes', { createOnly: true }), {
      created: false,
      size: 10,
    });
  });

  void test('429 and 503 answers are retried until the request succeeds', async () => {
    const store = makeStore();
    fake.failNext(1, 503, (method) => method === 'POST');
    await store.put('retried', 'data');
    fake.failNext(1, 429, (method) => method === 'GET');
    assert.equal((await store.get('retried')).toString(), 'data');
    fake.failNext(1, 503, (method) => method === 'GET');
    assert.deepEqual(await store.stat('retried'), { name: 'retried', size: 4 });
  });

  void test('a backend that keeps failing surfaces a TransientError naming the object', async () => {
    const store = makeStore({ maxRetries: 0 });
    fake.failNext(1, 503);
    await assert.rejects(store.get('some/obj'), (err: Error) => {
      assert.equal(err.name, 'TransientError');
      assert.match(
        err.message,
        /Reading "some\/obj" in gs:\/\/test-.* failed with a retryable backend error/,
      );
      return true;
    });
  });

  void test('a range ending past the object fails instead of returning short data', async () => {
    const store = makeStore();
    await store.put('obj', 'hello');
    await assert.rejects(collect(store.read('obj', { start: 2, end: 9 })), {
      name: 'NonRetryableError',
      message: /Byte range \[2, 9\) of "obj" in gs:\/\/.* ends past the object's 5 bytes/,
    });
    await assert.rejects(collect(store.read('obj', { start: 7, end: 9 })), { name: 'NonRetryableError' });
  });

  void test('invalid names and bucket names are rejected with a ConfigError', async () => {
    const store = makeStore();
    await assert.rejects(store.put('', 'x'), { name: 'ConfigError', message: /Invalid object name ""/ });
    await assert.rejects(store.get('/abs'), { name: 'ConfigError' });
    assert.throws(() => new GcsBlobStore({ bucket: 'Bad_Bucket!' }), {
      name: 'ConfigError',
      message: /Invalid bucket name "Bad_Bucket!"/,
    });
  });
});
