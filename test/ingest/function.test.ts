// The ingest functions behind functions-framework's real HTTP server, against the Datastore
// emulator (exported by scripts/run-tests.ts) and the GCS fake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ff from '@google-cloud/functions-framework';
import { getFunction, getTestServer } from '@google-cloud/functions-framework/testing';
import { ingestHttp, ingestObjectEvent, type IngestDeps } from '../../functions/ingest/handlers.ts';
import { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import { GcsBlobStore } from '../../src/adapters/gcp/gcs-blob-store.ts';
import { createStorage } from '../../src/adapters/gcp/gcs-client.ts';
import { memoryLogger } from '../../src/core/logger.ts';
import { defineKind, ingestObject, KindRegistry } from '../../src/ingest/index.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { startGcsFake, type GcsFake } from '../../src/cloud/fakes/gcs-fake.ts';

const env = emulatorEnv();
// A kind of its own per run: the emulator is shared by every test file.
const kindName = `Post${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const Post = defineKind({
  kind: kindName,
  key: 'pid',
  properties: { pid: 'integer', user: 'string', text: 'string', at: 'datetime', likes: 'integer' },
});
const BUCKET = 'incoming-test';

let gcs: GcsFake;
let deps: IngestDeps;
let logs: ReturnType<typeof memoryLogger>['entries'];

async function serve(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function stored(): Promise<Entity[]> {
  const all: Entity[] = [];
  for await (const e of deps.store.query({ kind: kindName })) all.push(e);
  return all;
}

const post = (pid: number | string, extra: Record<string, unknown> = {}) => ({
  pid,
  user: 'ann',
  text: `post ${pid}`,
  at: '2026-11-20T10:00:00Z',
  ...extra,
});

before(async () => {
  gcs = await startGcsFake();
  gcs.createBucket(BUCKET);
  const logger = memoryLogger();
  logs = logger.entries;
  deps = {
    store: new DatastoreEntityStore({ projectId: env.projectId, apiEndpoint: env.datastoreHost }),
    kinds: new KindRegistry([Post]),
    incoming: {
      bucket: BUCKET,
      blobs: new GcsBlobStore({
        bucket: BUCKET,
        storage: createStorage({ projectId: env.projectId, apiEndpoint: gcs.endpoint, maxRetries: 0 }),
      }),
    },
    logger: logger.logger,
    limits: { maxBodyBytes: 64 * 1024, maxRecords: 600 },
  };
});
after(() => gcs.close());

test('functions/ingest registers an HTTP "ingest" and a CloudEvent "ingestObject" without touching the cloud', async () => {
  await import('../../functions/ingest/index.ts');
  assert.equal(typeof getFunction('ingest'), 'function');
  assert.equal(getFunction('ingestObject')?.length, 1);
});

void describe('HTTP ingest', () => {
  let server: { url: string; close(): Promise<void> };
  before(async () => {
    const name = `ingest-test-${randomUUID().slice(0, 8)}`;
    ff.http(
      name,
      ingestHttp(async () => deps),
    );
    server = await serve(name);
  });
  after(() => server.close());

  const send = (body: string, query = `?kind=${kindName}`, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body,
    });

  void test('a JSON array of 550 records is stored in commits of ≤500; re-sending it duplicates nothing', async () => {
    const records = Array.from({ length: 550 }, (_, i) => post(i + 1, { likes: i }));
    for (let round = 0; round < 2; round++) {
      const res = await send(JSON.stringify(records), `?kind=${kindName}`, {
        'content-type': 'application/json',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { kind: kindName, stored: 550, commits: 2 });
    }
    const all = await stored();
    assert.equal(all.length, 550);
    const p7 = all.find((e) => e.key.id === '7')!;
    assert.deepEqual(p7.properties.at, new Date('2026-11-20T10:00:00Z'));
    assert.equal(p7.properties.likes, 6);
  });

  void test('NDJSON with the kind in a header; a bad record rejects the request with every problem', async () => {
    const ok = await send(`${JSON.stringify(post('9007199254740993'))}\n`, '', {
      'x-cloudreduce-kind': kindName,
      'content-type': 'application/x-ndjson',
    });
    assert.equal(ok.status, 200);
    assert.ok(
      (await stored()).some((e) => e.key.id === '9007199254740993'),
      'an id past 2^53 keeps every digit',
    );

    const bad = await send(
      [
        JSON.stringify(post(2000)),
        JSON.stringify({ user: 1 }),
        JSON.stringify(post(2001, { likes: 'many' })),
      ].join('\n'),
    );
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: string; rejected: unknown };
    assert.deepEqual(body.rejected, [
      { line: 2, problems: ['"user" must be a string; got 1', 'missing the key "pid"'] },
      { line: 3, problems: ['"likes" must be an integer (a number or a decimal string); got "many"'] },
    ]);
    assert.match(body.error, /^2 bad Post\w+ record\(s\) in the request body; nothing was stored:/);
    assert.ok(!(await stored()).some((e) => e.key.id === '2000'), 'the good record was not stored either');
  });

  void test('CSV with Content-Type text/csv is stored; a header that does not fit the kind is refused once', async () => {
    const csv = 'text/csv; charset=utf-8';
    const ok = await send(
      'pid,user,text,at,likes\n3001,ann,"hi, all",2026-11-20T10:00:00Z,5\n3002,bob,yo,,\n',
      undefined,
      {
        'content-type': csv,
      },
    );
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(await ok.json(), { kind: kindName, stored: 2, commits: 1 });
    const e = (await stored()).find((x) => x.key.id === '3001');
    assert.deepEqual(e?.properties, {
      pid: 3001,
      user: 'ann',
      text: 'hi, all',
      at: new Date('2026-11-20T10:00:00Z'),
      likes: 5,
    });

    const rows = Array.from({ length: 40 }, (_, i) => `${4000 + i},ann,hi`).join('\n');
    const bad = await send(`id,username,text\n${rows}\n`, undefined, { 'content-type': csv });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: `The CSV header of the request body has unknown column(s) id, username and lacks the key column pid; ${kindName}'s columns are pid, user, text, at, likes.`,
    });
    assert.ok(!(await stored()).some((x) => x.key.id === '4000'), 'nothing stored');
  });

  void test('too large, too many, wrong method, unknown kind and no kind each get their status and fix', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [
        send('x'.repeat(70 * 1024)),
        413,
        'The body is 71680 bytes, more than the 65536 allowed; send the records in smaller parts.',
      ],
      [
        send(JSON.stringify(Array.from({ length: 601 }, (_, i) => ({ pid: i + 1 }))), undefined, {
          'content-type': 'application/json',
        }),
        413,
        '601 records in the request body, more than the 600 allowed per request; split it.',
      ],
      [
        fetch(`${server.url}/?kind=${kindName}`),
        405,
        'Use POST with a JSON array, NDJSON or CSV body; got GET.',
      ],
      [send('[]', '?kind=Nope'), 404, `Unknown kind "Nope"; this endpoint ingests ${kindName}.`],
      [send('[]', ''), 400, 'Name the kind: ?kind=Tweet or the x-cloudreduce-kind header.'],
      [send('  '), 400, 'The body is empty; send a JSON array, NDJSON records or CSV with a header line.'],
    ];
    for (const [response, status, error] of cases) {
      const res = await response;
      assert.equal(res.status, status, error);
      assert.deepEqual(await res.json(), { error });
    }
  });

  void test('every answer is our JSON: bad JSON names its position, other or no Content-Type is a 415', async () => {
    const accepted =
      'send application/json (a JSON array of records), application/x-ndjson or application/jsonl (one JSON ' +
      'record a line) or text/csv (a header line, then one record a line).';
    const raw = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        // node:http, because fetch always adds a Content-Type to a string body.
        const req = request(`${server.url}/?kind=${kindName}`, { method: 'POST', headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    const cases: [Record<string, string>, string, number, string | RegExp][] = [
      [
        { 'content-type': 'application/json' },
        '[{"pid": 1,\n "user": "ann"',
        400,
        /^The request body is not valid JSON: .*position \d+ \(line 2 column \d+\)\. Correct it and send it again\.$/,
      ],
      [
        { 'content-type': 'text/plain' },
        JSON.stringify(post(4001)),
        415,
        `Content-Type text/plain is not accepted; ${accepted}`,
      ],
      [
        { 'content-type': 'application/x-www-form-urlencoded' },
        JSON.stringify(post(4002)),
        415,
        `Content-Type application/x-www-form-urlencoded is not accepted; ${accepted}`,
      ],
      [{}, JSON.stringify(post(4003)), 415, `The request has no Content-Type; ${accepted}`],
    ];
    for (const [headers, body, status, error] of cases) {
      const res = await raw(headers, body);
      assert.equal(res.status, status, res.body);
      assert.match(res.type, /^application\/json/, res.body);
      const answer = (JSON.parse(res.body) as { error: string }).error;
      if (typeof error === 'string') assert.equal(answer, error);
      else assert.match(answer, error);
    }
    const ids = (await stored()).map((e) => e.key.id);
    assert.deepEqual(
      ids.filter((id) => ['4001', '4002', '4003'].includes(id ?? '')),
      [],
    );
  });
});

void describe('Cloud Storage object ingest', () => {
  let server: { url: string; close(): Promise<void> };
  before(async () => {
    const name = `ingest-object-test-${randomUUID().slice(0, 8)}`;
    ff.cloudEvent(
      name,
      ingestObjectEvent(async () => deps),
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
    gcs.putObject(BUCKET, `ingest/${kindName}/day1.ndjson`, lines.join('\n') + '\n');
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
      gcs.getObject(BUCKET, `ingest-results/${kindName}/day1.ndjson.summary.json`)!.toString(),
    ) as unknown;
    assert.deepEqual(summary, {
      object: `ingest/${kindName}/day1.ndjson`,
      kind: kindName,
      stored: 1100,
      rejected: 2,
      commits: 3,
      rejects: `ingest-results/${kindName}/day1.ndjson.rejects.ndjson`,
    });
    const rejects = gcs
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
    gcs.putObject(
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
    gcs.putObject(BUCKET, 'ingest/Nope/x.ndjson', '{}\n');
    assert.equal((await notified('ingest/Nope/x.ndjson')).status, 204);
    assert.match(
      gcs.getObject(BUCKET, 'ingest-results/Nope/x.ndjson.summary.json')!.toString(),
      /No declared kind for \\"ingest\/Nope\/x.ndjson\\": put files under ingest\/<Kind>\/ with Kind one of Post/,
    );
    assert.equal((await finalized('x.ndjson', 'other-bucket')).status, 204);
    assert.equal((await notified('x.ndjson', 'OBJECT_FINALIZE', 'other-bucket')).status, 204);
    // Job input files share the bucket (submit uploads under uploads/): not ingested, no summary.
    gcs.putObject(BUCKET, `uploads/run-1/${kindName}.ndjson`, JSON.stringify(post(30_001)) + '\n');
    assert.equal((await notified(`uploads/run-1/${kindName}.ndjson`)).status, 204);
    assert.equal(
      (await stored()).find((e) => e.key.id === '30001'),
      undefined,
    );
    assert.deepEqual(
      [...gcs.store.bucket(BUCKET).keys()].filter((k) => k.includes('run-1')),
      [`uploads/run-1/${kindName}.ndjson`],
    );
    // Only OBJECT_FINALIZE is ingested: a delete notification of an ingest/ object changes nothing.
    gcs.putObject(BUCKET, `ingest/${kindName}/late.ndjson`, JSON.stringify(post(30_002)) + '\n');
    assert.equal((await notified(`ingest/${kindName}/late.ndjson`, 'OBJECT_DELETE')).status, 204);
    assert.equal(
      (await stored()).find((e) => e.key.id === '30002'),
      undefined,
    );
    assert.ok(
      logs.some(
        (e) =>
          e.message ===
          'ingestObject: ignoring the event: a notification of OBJECT_DELETE, not OBJECT_FINALIZE',
      ),
    );

    // Too large an object is not downloaded: its summary says why.
    const big = await ingestObject(`ingest/${kindName}/more.csv`, {
      incoming: deps.incoming!.blobs,
      store: deps.store,
      kinds: deps.kinds,
      limits: { maxBodyBytes: 10 },
    });
    assert.equal(big.status, 'skipped');
    const summary = JSON.parse(
      gcs.getObject(BUCKET, `ingest-results/${kindName}/more.csv.summary.json`)!.toString(),
    ) as {
      error: string;
    };
    assert.match(
      summary.error,
      /^The object ingest\/Post\w+\/more\.csv is 62 bytes, more than the 10 allowed/,
    );
    assert.ok(
      logs.some(
        (e) =>
          e.message === 'ingestObject: ignoring an event that is not about an object of the incoming bucket',
      ),
    );
  });
});
