// The ingestObject function (Cloud Storage notifications), against the Datastore emulator and the GCS fake (function-fixture.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as ff from '@google-cloud/functions-framework';
import { ingestObjectEvent } from '../../functions/ingest/handlers.ts';
import { ingestObject } from '../../src/ingest/index.ts';
import { BUCKET, fx, ingestFixture, kindName, post, serve, stored } from './function-fixture.ts';

ingestFixture();

void describe('Cloud Storage object ingest', () => {
  let server: { url: string; close(): Promise<void> };
  before(async () => {
    const name = `ingest-object-test-${randomUUID().slice(0, 8)}`;
    ff.cloudEvent(
      name,
      ingestObjectEvent(async () => fx.deps),
    );
    server = await serve(name);
  });
  after(() => server.close());

  const finalized = (name: string, bucket = BUCKET) =>
    fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-id': randomUUID(),
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.storage.object.v1.finalized',
        'ce-source': `//storage.googleapis.com/projects/_/buckets/${bucket}`,
        'ce-subject': `objects/${name}`,
      },
      body: JSON.stringify({ bucket, name }),
    });

  /** A Cloud Storage notification (JSON_API_V1) as a push subscription delivers it. */
  const notified = (name: string, eventType = 'OBJECT_FINALIZE', bucket = BUCKET) =>
    fetch(`${server.url}/projects/p/topics/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: 'projects/p/subscriptions/incoming-push',
        message: {
          messageId: randomUUID(),
          publishTime: new Date().toISOString(),
          attributes: { eventType, payloadFormat: 'JSON_API_V1', bucketId: bucket, objectId: name },
          data: Buffer.from(JSON.stringify({ bucket, name, kind: 'storage#object' })).toString('base64'),
        },
      }),
    });

  void test('an NDJSON object: good lines stored, bad lines in a rejects object beside a summary; redelivery adds nothing', async () => {
    const lines = [
      ...Array.from({ length: 1100 }, (_, i) => JSON.stringify(post(10_000 + i))),
      '{"pid": 3, "user": 5}',
      'not json',
    ];
    fx.gcs.putObject(BUCKET, `ingest/${kindName}/day1.ndjson`, lines.join('\n') + '\n');
    const before = (await stored()).length;
    // Delivered twice, once in each shape: the deployed Pub/Sub notification and Eventarc's event.
    assert.equal((await notified(`ingest/${kindName}/day1.ndjson`)).status, 204);
    assert.equal((await finalized(`ingest/${kindName}/day1.ndjson`)).status, 204);
    assert.equal(
      (await stored()).length,
      before + 1100,
      'keyed upserts: the redelivery stored no duplicates',
    );
    const summary = JSON.parse(
      fx.gcs.getObject(BUCKET, `ingest-results/${kindName}/day1.ndjson.summary.json`)!.toString(),
    ) as unknown;
    assert.deepEqual(summary, {
      object: `ingest/${kindName}/day1.ndjson`,
      kind: kindName,
      stored: 1100,
      rejected: 2,
      commits: 3,
      rejects: `ingest-results/${kindName}/day1.ndjson.rejects.ndjson`,
    });
    const rejects = fx.gcs
      .getObject(BUCKET, `ingest-results/${kindName}/day1.ndjson.rejects.ndjson`)!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; problems: string[]; raw: string });
    assert.deepEqual(
      rejects.map((r) => [r.line, r.raw, r.problems[0]]),
      [
        [1101, '{"pid": 3, "user": 5}', '"user" must be a string; got 5'],
        [1102, 'not json', `not valid JSON (Unexpected token 'o', "not json" is not valid JSON)`],
      ],
    );
  });

  void test('a CSV object is parsed by the kind; results, unknown kinds and other buckets are not ingested', async () => {
    fx.gcs.putObject(
      BUCKET,
      `ingest/${kindName}/more.csv`,
      'pid,user,text,at,likes\n20001,bo,"a, b",2026-11-21T00:00:00Z,4\n',
    );
    assert.equal((await finalized(`ingest/${kindName}/more.csv`)).status, 204);
    const p = (await stored()).find((e) => e.key.id === '20001')!;
    assert.deepEqual(p.properties, {
      pid: 20001, // an integer, read back as a number
      user: 'bo',
      text: 'a, b',
      at: new Date('2026-11-21T00:00:00Z'),
      likes: 4,
    });

    assert.equal((await finalized(`ingest-results/${kindName}/more.csv.summary.json`)).status, 204);
    fx.gcs.putObject(BUCKET, 'ingest/Nope/x.ndjson', '{}\n');
    assert.equal((await notified('ingest/Nope/x.ndjson')).status, 204);
    assert.match(
      fx.gcs.getObject(BUCKET, 'ingest-results/Nope/x.ndjson.summary.json')!.toString(),
      /No declared kind for \\"ingest\/Nope\/x.ndjson\\": put files under ingest\/<Kind>\/ with Kind one of Post/,
    );
    assert.equal((await finalized('x.ndjson', 'other-bucket')).status, 204);
    assert.equal((await notified('x.ndjson', 'OBJECT_FINALIZE', 'other-bucket')).status, 204);
    // Job input files share the bucket (submit uploads under uploads/): not ingested, no summary.
    fx.gcs.putObject(BUCKET, `uploads/run-1/${kindName}.ndjson`, JSON.stringify(post(30_001)) + '\n');
    assert.equal((await notified(`uploads/run-1/${kindName}.ndjson`)).status, 204);
    assert.equal(
      (await stored()).find((e) => e.key.id === '30001'),
      undefined,
    );
    assert.deepEqual(
      [...fx.gcs.store.bucket(BUCKET).keys()].filter((k) => k.includes('run-1')),
      [`uploads/run-1/${kindName}.ndjson`],
    );
    // Only OBJECT_FINALIZE is ingested: a delete notification of an ingest/ object changes nothing.
    fx.gcs.putObject(BUCKET, `ingest/${kindName}/late.ndjson`, JSON.stringify(post(30_002)) + '\n');
    assert.equal((await notified(`ingest/${kindName}/late.ndjson`, 'OBJECT_DELETE')).status, 204);
    assert.equal(
      (await stored()).find((e) => e.key.id === '30002'),
      undefined,
    );
    assert.ok(
      fx.logs.some(
        (e) =>
          e.message ===
          'ingestObject: ignoring the event: a notification of OBJECT_DELETE, not OBJECT_FINALIZE',
      ),
    );

    // Too large an object is not downloaded: its summary says why.
    const big = await ingestObject(`ingest/${kindName}/more.csv`, {
      incoming: fx.deps.incoming!.blobs,
      store: fx.deps.store,
      kinds: fx.deps.kinds,
      limits: { maxBodyBytes: 10 },
    });
    assert.equal(big.status, 'skipped');
    const summary = JSON.parse(
      fx.gcs.getObject(BUCKET, `ingest-results/${kindName}/more.csv.summary.json`)!.toString(),
    ) as {
      error: string;
    };
    assert.match(
      summary.error,
      /^The object ingest\/Post\w+\/more\.csv is 62 bytes, more than the 10 allowed/,
    );
    assert.ok(
      fx.logs.some(
        (e) =>
          e.message === 'ingestObject: ignoring an event that is not about an object of the incoming bucket',
      ),
    );
  });
});
