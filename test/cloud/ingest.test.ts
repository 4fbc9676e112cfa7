// Ingest through the emulated cloud: the HTTP `ingest` function and the incoming bucket's object
// notifications (ingest/ prefix, JSON_API_V1, pushed to `ingestObject`), both writing Tweet
// entities into the Datastore emulator. The entities that land must be exactly the records sent,
// bad input must be refused with the problems named, and a redelivered notification must add
// nothing. The project id is unique to this file: the emulators are shared with other test files,
// and a project is the emulator's unit of isolation (entities live in its default namespace).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Datastore } from '@google-cloud/datastore';
import { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import { generateTweets, SAMPLE_NOW, tweetsToNdjson, type SampleTweet } from '../../src/samples/tweets.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { assertTables, plain } from '../jobs/plain/tweet-analytics.ts';
import { queryRows, stateStoreOf, waitForRun } from './helpers.ts';

const id = randomUUID().slice(0, 8);
const logs: string[] = [];
let cloud: DevCloud;
let entities: DatastoreEntityStore;
/** Every tweet a test got stored, for the analytics run at the end. */
const accepted: SampleTweet[] = [];

const logTail = () => `last function output:\n${logs.slice(-30).join('\n')}`;

before(async () => {
  const emulators = emulatorEnv();
  cloud = await startDevCloud({
    projectId: `ingest-e2e-${id}`,
    emulators,
    prefix: `ingest-${id}`,
    sweepEveryMillis: 0,
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  entities = new DatastoreEntityStore({
    projectId: cloud.config.projectId,
    apiEndpoint: cloud.config.datastore.apiEndpoint!,
  });
});

after(async () => {
  await cloud?.stop();
});

async function storedTweets(): Promise<Map<string, Entity>> {
  const byId = new Map<string, Entity>();
  for await (const e of entities.query({ kind: 'Tweet' })) byId.set(e.key.id!, e);
  return byId;
}

/** What a stored Tweet reads back as: the record as sent, created_at a datetime. */
function expectedProperties(t: SampleTweet): Record<string, unknown> {
  return { user: t.user, text: t.text, created_at: new Date(t.created_at), tid: t.tid, urls: t.urls };
}

function assertStored(stored: Map<string, Entity>, tweets: readonly SampleTweet[]): void {
  for (const t of tweets) {
    const e = stored.get(String(t.tid));
    assert.ok(e, `tweet ${t.tid} stored`);
    assert.deepEqual(e.properties, expectedProperties(t));
  }
}

const post = (body: string, contentType = 'application/x-ndjson', kind = 'Tweet') =>
  fetch(`${cloud.ingestUrl}/?kind=${kind}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMillis = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}\n${logTail()}`);
}

test('HTTP: an NDJSON and a JSON-array POST store every tweet, keyed by tid; re-sending adds nothing', async () => {
  const tweets = generateTweets({ count: 300, seed: 41 });
  const ndjson = await post(tweetsToNdjson(tweets.slice(0, 200)));
  assert.equal(ndjson.status, 200, await ndjson.clone().text());
  assert.deepEqual(await ndjson.json(), { kind: 'Tweet', stored: 200, commits: 1 });
  const array = await post(JSON.stringify(tweets.slice(200)), 'application/json');
  assert.deepEqual(await array.json(), { kind: 'Tweet', stored: 100, commits: 1 });
  // The same batch again (a client retry): the same keys, no duplicates.
  assert.equal((await post(tweetsToNdjson(tweets.slice(0, 200)))).status, 200);

  const stored = await storedTweets();
  assertStored(stored, tweets);
  assert.equal([...stored.keys()].filter((k) => tweets.some((t) => String(t.tid) === k)).length, 300);
  accepted.push(...tweets);
});

test('HTTP: tid is stored as a Datastore integer; a tid past 2^53 sent as a bare JSON number keeps every digit', async () => {
  const { config } = cloud;
  const record = (tid: string) =>
    `{"tid":${tid},"user":"big","text":"big ids","created_at":"2026-11-20T00:00:00Z","urls":[]}`;
  const res = await post(`${record('1859234567890123457')}\n${record('"1859234567890123458"')}\n`);
  assert.equal(res.status, 200, await res.clone().text());
  const ds = new Datastore({ projectId: config.projectId, apiEndpoint: config.datastore.apiEndpoint! });
  const keys = [
    ds.key(['Tweet', ds.int('1859234567890123457')]),
    ds.key(['Tweet', ds.int('1859234567890123458')]),
  ];
  const [raw] = await ds.get(keys, { wrapNumbers: true });
  assert.deepEqual(
    (raw as Record<string, unknown>[])
      .map((e) => [ds.isInt(e.tid as object), (e.tid as { value: string }).value])
      .sort(),
    [
      [true, '1859234567890123457'],
      [true, '1859234567890123458'],
    ],
  );
  const stored = await storedTweets();
  assert.equal(stored.get('1859234567890123457')?.properties.tid, '1859234567890123457', 'read back exactly');
  await entities.delete(keys.map((k) => ({ kind: 'Tweet', id: String(k.id) })));
});

test('HTTP: one bad record refuses the whole request with every problem listed; nothing is stored', async () => {
  const [good, bad] = generateTweets({ count: 2, seed: 42 }).map((t) => ({ ...t, tid: t.tid + 9_000_000 }));
  const body = [
    JSON.stringify(good),
    JSON.stringify({ ...bad, user: 7, created_at: 'yesterday', color: 'red' }),
    '{"tid": ',
  ].join('\n');
  const res = await post(body);
  assert.equal(res.status, 400);
  const answer = (await res.json()) as { error: string; rejected: { line: number; problems: string[] }[] };
  assert.match(answer.error, /^2 bad Tweet record\(s\) in the request body; nothing was stored/);
  assert.deepEqual(
    answer.rejected.map((r) => r.line),
    [2, 3],
  );
  assert.match(answer.rejected[0]!.problems.join('; '), /"user" must be a string; got 7/);
  assert.match(answer.rejected[0]!.problems.join('; '), /created_at/);
  assert.match(answer.rejected[0]!.problems.join('; '), /unknown property "color"/);
  assert.match(answer.rejected[1]!.problems.join('; '), /not valid JSON/);
  const stored = await storedTweets();
  assert.equal(stored.has(String(good!.tid)), false, 'the good record of a refused request is not stored');

  const unknown = await post('[]', 'application/json', 'Nope');
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { error: string }).error, /Unknown kind "Nope"/);
  // Over the default 10 MiB: refused before any parsing, with the fix in the message.
  const huge = await post('x'.repeat(10 * 1024 * 1024 + 1));
  assert.equal(huge.status, 413);
  assert.match(
    ((await huge.json()) as { error: string }).error,
    /^The body is 10485761 bytes, more than the 10485760 allowed; send the records in smaller parts/,
  );
});

test('a file dropped under ingest/Tweet/: notified, ingested in commits of ≤500, bad lines in a rejects object; a second delivery adds nothing', async () => {
  const tweets = generateTweets({ count: 1200, seed: 43 }).map((t) => ({ ...t, tid: t.tid + 5_000_000 }));
  const lines = tweetsToNdjson(tweets) + '{"tid": 1, "user": 5}\nnot json\n';
  const incoming = cloud.config.incomingBucket!;
  // Every notification delivered twice, as Pub/Sub may: a second push subscription on the topic.
  const dup = await cloud.duplicateDeliveries('incoming');
  try {
    cloud.gcs.putObject(incoming, 'ingest/Tweet/2026-11-20.ndjson', lines);
    const summary = await waitFor('the ingest summary', async () => {
      const bytes = cloud.gcs.getObject(incoming, 'ingest-results/Tweet/2026-11-20.ndjson.summary.json');
      return bytes ? (JSON.parse(bytes.toString()) as Record<string, unknown>) : undefined;
    });
    assert.deepEqual(summary, {
      object: 'ingest/Tweet/2026-11-20.ndjson',
      kind: 'Tweet',
      stored: 1200,
      rejected: 2,
      commits: 3,
      rejects: 'ingest-results/Tweet/2026-11-20.ndjson.rejects.ndjson',
    });
    const rejects = cloud.gcs
      .getObject(incoming, 'ingest-results/Tweet/2026-11-20.ndjson.rejects.ndjson')!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; raw: string });
    assert.deepEqual(
      rejects.map((r) => [r.line, r.raw]),
      [
        [1201, '{"tid": 1, "user": 5}'],
        [1202, 'not json'],
      ],
    );
    // Both deliveries handled (two log lines), the entities stored once.
    await waitFor('the second delivery', async () => {
      const handled = logs.filter((l) => l.includes('ingestObject stored 1200 Tweet entities')).length;
      return handled >= 2 ? true : undefined;
    });
    const stored = await storedTweets();
    assertStored(stored, tweets);
    assert.equal(stored.has('1'), false, 'the bad line was not stored');
    accepted.push(...tweets);
  } finally {
    await cloud.removeSubscription(dup);
  }
});

test('files outside ingest/ (job inputs) and results are not ingested; an unknown kind gets a summary saying why', async () => {
  const incoming = cloud.config.incomingBucket!;
  const [t] = generateTweets({ count: 1, seed: 44 }).map((x) => ({ ...x, tid: x.tid + 7_000_000 }));
  cloud.gcs.putObject(incoming, 'uploads/run-1/tweets.ndjson', tweetsToNdjson([t!]));
  cloud.gcs.putObject(incoming, 'ingest/Nope/x.ndjson', tweetsToNdjson([t!]));
  const summary = await waitFor('the unknown-kind summary', async () => {
    const bytes = cloud.gcs.getObject(incoming, 'ingest-results/Nope/x.ndjson.summary.json');
    return bytes ? (JSON.parse(bytes.toString()) as { error: string }) : undefined;
  });
  assert.match(
    summary.error,
    /No declared kind for "ingest\/Nope\/x.ndjson": put files under ingest\/<Kind>\//,
  );
  assert.equal((await storedTweets()).has(String(t!.tid)), false);
  assert.deepEqual(
    [...cloud.gcs.store.bucket(incoming).keys()].filter((k) => k.includes('run-1') || k.includes('Nope')),
    ['uploads/run-1/tweets.ndjson', 'ingest/Nope/x.ndjson', 'ingest-results/Nope/x.ndjson.summary.json'],
  );
});

test('tweet-analytics over what the two doors stored equals the plain computation over the accepted records', async () => {
  assert.equal(accepted.length, 1500, 'the ingest tests above ran and stored their tweets');
  assert.equal((await storedTweets()).size, accepted.length, 'nothing else was stored');
  const runId = `ta-${id}`;
  await cloud.publishJob({ job: 'tweet-analytics', runId, params: { now: SAMPLE_NOW, days: 4 }, shards: 3 });
  const run = await waitForRun(stateStoreOf(cloud), runId, 60_000, logTail);
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const t of ['word_counts', 'urls', 'word_cooccur'])
    tables[t] = await queryRows(cloud, `SELECT * FROM ${t}`);
  assertTables(tables, plain(accepted, SAMPLE_NOW, 4));
});
