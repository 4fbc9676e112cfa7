import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { GcsInputFiles } from '../../../src/adapters/gcp/gcs-input-files.ts';
import { collect } from '../../contracts/blob-store.ts';
import { startGcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';
import type { GcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';

let fake: GcsFake;
before(async () => {
  fake = await startGcsFake();
});
after(() => fake.close());

function seed(): { bucket: string; files: GcsInputFiles } {
  const bucket = `in-${randomUUID()}`;
  fake.createBucket(bucket);
  for (const name of [
    'logs/2024-01.ndjson',
    'logs/2024-02.ndjson',
    'logs/old/2023.ndjson',
    'logs/readme.txt',
    'logs/',
  ]) {
    fake.putObject(bucket, name, name.endsWith('/') ? '' : `data of ${name}`);
  }
  return { bucket, files: new GcsInputFiles({ apiEndpoint: fake.endpoint, projectId: 'test' }) };
}

void describe('GcsInputFiles', () => {
  void test('one object URI expands to itself with its size', async () => {
    const { bucket, files } = seed();
    assert.deepEqual(await files.expand([`gs://${bucket}/logs/readme.txt`]), [
      { uri: `gs://${bucket}/logs/readme.txt`, size: 'data of logs/readme.txt'.length },
    ]);
  });

  void test('a * wildcard matches within one level and ** across levels', async () => {
    const { bucket, files } = seed();
    const uris = async (p: string) =>
      (await files.expand([`gs://${bucket}/${p}`])).map((f) => f.uri.split('/').slice(3).join('/'));
    assert.deepEqual(await uris('logs/2024-*.ndjson'), ['logs/2024-01.ndjson', 'logs/2024-02.ndjson']);
    assert.deepEqual(await uris('logs/*.ndjson'), ['logs/2024-01.ndjson', 'logs/2024-02.ndjson']);
    assert.deepEqual(await uris('logs/**.ndjson'), [
      'logs/2024-01.ndjson',
      'logs/2024-02.ndjson',
      'logs/old/2023.ndjson',
    ]);
    assert.deepEqual(await uris('logs/2024-0?.ndjson'), ['logs/2024-01.ndjson', 'logs/2024-02.ndjson']);
  });

  void test('a folder URI expands to every object under it, skipping folder placeholders', async () => {
    const { bucket, files } = seed();
    assert.equal((await files.expand([`gs://${bucket}/logs/`])).length, 4);
  });

  void test('overlapping patterns are deduplicated and sorted', async () => {
    const { bucket, files } = seed();
    const got = await files.expand([`gs://${bucket}/logs/2024-02.ndjson`, `gs://${bucket}/logs/*.ndjson`]);
    assert.deepEqual(
      got.map((f) => f.uri),
      [`gs://${bucket}/logs/2024-01.ndjson`, `gs://${bucket}/logs/2024-02.ndjson`],
    );
  });

  void test('a pattern that matches nothing, a missing bucket or a non-gs URI is a ConfigError naming it', async () => {
    const { bucket, files } = seed();
    await assert.rejects(files.expand([`gs://${bucket}/nothing*.csv`]), {
      name: 'ConfigError',
      message: new RegExp(`Input "gs://${bucket}/nothing\\*\\.csv" matched no objects`),
    });
    await assert.rejects(files.expand([`gs://${bucket}/missing.txt`]), { name: 'ConfigError' });
    await assert.rejects(files.expand(['gs://no-such-bucket-x/a*']), {
      name: 'ConfigError',
      message: /bucket "no-such-bucket-x" does not exist/,
    });
    await assert.rejects(files.expand(['data/a.txt']), {
      name: 'ConfigError',
      message: /not a Cloud Storage URI/,
    });
  });

  void test('read streams a whole object or an end-exclusive byte range', async () => {
    const { bucket, files } = seed();
    const uri = `gs://${bucket}/logs/readme.txt`;
    assert.equal((await collect(files.read(uri))).toString(), 'data of logs/readme.txt');
    assert.equal((await collect(files.read(uri, { start: 0, end: 4 }))).toString(), 'data');
    assert.equal((await collect(files.read(uri, { start: 3, end: 3 }))).length, 0);
  });
});
