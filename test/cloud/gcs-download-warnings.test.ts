// Downloads through the Cloud Storage client print no MaxListenersExceededWarning. The client
// (teeny-request 11 under @google-cloud/storage 8) puts 11 'error' and 'close' listeners on each
// response body longer than one chunk; the map and finalize functions logged the warning for every
// such read. The listeners are per response, not a leak: src/adapters/gcp/gcs-client.ts raises the
// limit of that one stream. These reads are sequential on purpose: one read was enough to warn.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GcsBlobStore } from '../../src/adapters/gcp/gcs-blob-store.ts';
import { GcsInputFiles } from '../../src/adapters/gcp/gcs-input-files.ts';
import { startGcsFake, type GcsFake } from '../../src/cloud/fakes/gcs-fake.ts';

let fake: GcsFake;
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

before(async () => {
  fake = await startGcsFake();
  fake.createBucket('listeners');
  process.on('warning', onWarning);
});
after(async () => {
  process.off('warning', onWarning);
  await fake.close();
});

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

test('reading objects of many chunks warns of no listener leak', async () => {
  const store = new GcsBlobStore({ bucket: 'listeners', apiEndpoint: fake.endpoint, projectId: 'test' });
  const inputs = new GcsInputFiles({ apiEndpoint: fake.endpoint, projectId: 'test' });
  const size = 1024 * 1024;
  await store.put('big', Buffer.alloc(size, 7));
  for (let i = 0; i < 3; i++) {
    assert.equal(await bytesOf(store.read('big')), size);
    assert.equal(await bytesOf(store.read('big', { start: 10, end: size - 10 })), size - 20);
    assert.equal((await store.get('big')).length, size);
    assert.equal(await bytesOf(inputs.read('gs://listeners/big')), size);
  }
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
  assert.deepEqual(
    warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
    [],
  );
});

test('get still reports a missing object as not found', async () => {
  const store = new GcsBlobStore({ bucket: 'listeners', apiEndpoint: fake.endpoint, projectId: 'test' });
  await assert.rejects(store.get('missing'), /Object "missing" in gs:\/\/listeners not found/);
});
