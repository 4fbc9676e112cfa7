import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import type { Entity, EntityKey, EntityStore } from '../../src/ports/entity-store.ts';
import {
  defineKind,
  handleIngestRequest,
  ingest,
  IngestError,
  ingestObject,
  KindRegistry,
  openKind,
  TweetKind,
} from '../../src/ingest/index.ts';

/** Records each commit; enough of an EntityStore for ingest, which only upserts. */
function memoryStore(): EntityStore & { commits: Entity[][]; all: Map<string, Entity> } {
  const all = new Map<string, Entity>();
  const commits: Entity[][] = [];
  const id = (k: EntityKey) => `${k.kind}:${k.id ?? ''}:${k.name ?? ''}`;
  return {
    all,
    commits,
    upsert: async (entities) => {
      assert.ok(entities.length <= 500, 'at most 500 per commit');
      commits.push([...entities]);
      for (const e of entities) all.set(id(e.key), e);
    },
    delete: async () => {},
    get: async (keys) => keys.map((k) => all.get(id(k))),
    query: async function* () {},
    splitKeyRanges: async () => [{}],
  };
}

const tweet = (tid: string | number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ tid, user: 'ann', text: 'hi', created_at: '2026-11-20T10:00:00Z', urls: [], ...extra });

test('Tweets become entities keyed by tid: key ids as decimal strings, tid a 64-bit integer, datetimes as Dates', async () => {
  const store = memoryStore();
  // A tid past 2^53 sent as a string, and one sent as a bare JSON number (JSON.parse would round it).
  const bare = tweet(0).replace('"tid":0', '"tid":1859234567890123457');
  const body = `${tweet('1234567890123456789')}\n${tweet(2, { urls: ['http://x'] })}\n${bare}\n`;
  const result = await ingest(store, TweetKind, body, { format: 'ndjson' });
  assert.deepEqual(
    { stored: result.stored, commits: result.commits, rejected: result.rejected },
    {
      stored: 3,
      commits: 1,
      rejected: [],
    },
  );
  const big = store.all.get('Tweet:1234567890123456789:')!;
  assert.deepEqual(big.key, { kind: 'Tweet', id: '1234567890123456789' });
  assert.equal(big.properties.tid, 1234567890123456789n, 'no rounding past 2^53');
  const number = store.all.get('Tweet:1859234567890123457:')!;
  assert.equal(number.properties.tid, 1859234567890123457n, 'a bare JSON number keeps its digits');
  assert.equal(store.all.get('Tweet:2:')!.properties.tid, 2n);
  assert.deepEqual(big.properties.created_at, new Date('2026-11-20T10:00:00Z'));
  assert.deepEqual(store.all.get('Tweet:2:')!.properties.urls, ['http://x']);
});

test('a request with a bad record is refused whole, each bad record listed with all its problems', async () => {
  const store = memoryStore();
  const body = [
    tweet(1),
    JSON.stringify({ user: 'bob', text: 5, created_at: 'yesterday', lang: 'en' }),
    '{not json',
    tweet(-3),
  ].join('\n');
  await assert.rejects(
    ingest(store, TweetKind, body, { format: 'ndjson', source: 'tweets.ndjson' }),
    (err: unknown) => {
      assert.ok(err instanceof IngestError);
      assert.equal(err.status, 400);
      assert.deepEqual(
        err.rejected.map((r) => [r.line, r.problems]),
        [
          [
            2,
            [
              '"text" must be a string; got 5',
              '"created_at" must be an ISO 8601 datetime string; got "yesterday"',
              'unknown property "lang" (Tweet has tid, user, text, created_at, urls)',
              'missing the key "tid"',
            ],
          ],
          [3, ["not valid JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2))"]],
          [4, ['the key "tid" must be a positive integer below 2^63; got -3']],
        ],
      );
      assert.match(
        err.message,
        /^3 bad Tweet record\(s\) in tweets\.ndjson; nothing was stored:\n {2}line 2: /,
      );
      return true;
    },
  );
  assert.equal(store.commits.length, 0, 'nothing stored');
});

test('re-sending records upserts the same keys; 1,200 records go in commits of at most 500', async () => {
  const store = memoryStore();
  const body = JSON.stringify(Array.from({ length: 1200 }, (_, i) => JSON.parse(tweet(i + 1)) as unknown));
  for (let round = 0; round < 2; round++) {
    const result = await ingest(store, TweetKind, body, { format: 'json' });
    assert.equal(result.stored, 1200);
    assert.equal(result.commits, 3);
  }
  assert.deepEqual(
    store.commits.map((c) => c.length),
    [500, 500, 200, 500, 500, 200],
  );
  assert.equal(store.all.size, 1200, 'no duplicates');
});

test('too large a body or too many records is refused with 413 and the limit', async () => {
  const store = memoryStore();
  await assert.rejects(
    ingest(store, TweetKind, 'x'.repeat(101), { format: 'ndjson', limits: { maxBodyBytes: 100 } }),
    {
      name: 'IngestError',
      status: 413,
      message: 'The body is 101 bytes, more than the 100 allowed; send the records in smaller parts.',
    },
  );
  await assert.rejects(
    ingest(store, TweetKind, `${tweet(1)}\n${tweet(2)}\n${tweet(3)}`, {
      format: 'ndjson',
      limits: { maxRecords: 2 },
    }),
    {
      status: 413,
      message: '3 records in the request, more than the 2 allowed per request; split it.',
    },
  );
});

test('CSV cells are parsed by the kind: integers, booleans, numbers, lists; empty cells are missing', async () => {
  const Log = defineKind({
    kind: 'Log',
    key: 'name',
    properties: {
      name: 'string',
      n: 'integer',
      ok: 'boolean',
      score: 'number',
      tags: 'string[]',
      at: 'datetime',
    },
  });
  const store = memoryStore();
  const csv = 'name,n,ok,score,tags,at\na,7,true,1.5,"[""x"",""y""]",2026-01-02T00:00:00Z\nb,,false,,,\n';
  const result = await ingest(store, Log, csv, { format: 'csv' });
  assert.equal(result.stored, 2);
  assert.deepEqual(store.all.get('Log::a')!.properties, {
    name: 'a',
    n: 7n,
    ok: true,
    score: 1.5,
    tags: ['x', 'y'],
    at: new Date('2026-01-02T00:00:00Z'),
  });
  assert.deepEqual(store.all.get('Log::b')!.properties, { name: 'b', ok: false });
  await assert.rejects(ingest(store, Log, 'name,n\nc,seven\nd\n', { format: 'csv' }), {
    message:
      '2 bad Log record(s) in the request; nothing was stored:\n' +
      '  line 2: "n" must be an integer (a number or a decimal string); got "seven"\n' +
      '  line 3: expected 2 fields (name, n) but found 1',
  });
});

test('storeGood keeps the good records and returns the bad lines as sent (for rejects objects)', async () => {
  const store = memoryStore();
  const result = await ingest(store, TweetKind, `${tweet(1)}\n{"tid":"x"}\n`, {
    format: 'ndjson',
    storeGood: true,
  });
  assert.equal(result.stored, 1);
  assert.deepEqual(result.rejected, [
    {
      line: 2,
      problems: ['"tid" must be an integer (a number or a decimal string); got "x"'],
      raw: '{"tid":"x"}',
    },
  ]);
});

test('an open kind stores records as sent, integer-looking keys as ids and others as names', async () => {
  const store = memoryStore();
  const kind = openKind('Thing', 'k', ['when']);
  await ingest(store, kind, '{"k":5,"when":"2026-01-01T00:00:00Z","x":{"y":1}}\n{"k":"abc"}\n', {
    format: 'ndjson',
  });
  assert.deepEqual(store.all.get('Thing:5:')!.properties, {
    k: 5n,
    when: new Date('2026-01-01T00:00:00Z'),
    x: { y: 1 },
  });
  assert.deepEqual(store.all.get('Thing::abc')!.key, { kind: 'Thing', name: 'abc' });
});

test('defineKind refuses a key that is not a declared integer or string property', () => {
  assert.throws(() => defineKind({ kind: 'K', key: 'id', properties: { x: 'string' } }), {
    message: 'Kind "K": key "id" must name one of its properties.',
  });
  assert.throws(() => defineKind({ kind: 'K', key: 'at', properties: { at: 'datetime' } }), {
    message: 'Kind "K": the key property "at" must be an integer or a string.',
  });
  assert.throws(() => defineKind({ kind: 'K', key: 'id', properties: { id: 'int' as never } }), {
    message:
      'Kind "K": property "id" has type "int"; use one of string, integer, number, boolean, datetime, string[], json.',
  });
});

test('an HTTP request with Content-Type text/csv is read as CSV', async () => {
  const store = memoryStore();
  const csv =
    'tid,user,text,created_at,urls\n7,bob,"a, b",2026-11-20T11:00:00Z,"[""http://x""]"\n8,cy,yo,,\n';
  const res = await handleIngestRequest(
    { method: 'POST', kind: 'Tweet', headers: { 'content-type': 'text/csv; charset=utf-8' }, body: csv },
    { store, kinds: new KindRegistry() },
  );
  assert.deepEqual(res, { status: 200, body: { kind: 'Tweet', stored: 2, commits: 1 } });
  assert.deepEqual(store.all.get('Tweet:7:')!.properties, {
    tid: 7n,
    user: 'bob',
    text: 'a, b',
    created_at: new Date('2026-11-20T11:00:00Z'),
    urls: ['http://x'],
  });
});

const WRONG_HEADER = 'id,username,text\n' + Array.from({ length: 30 }, (_, i) => `${i},ann,hi`).join('\n');

test('a CSV header that does not fit the kind is refused once, not per row', async () => {
  const store = memoryStore();
  const res = await handleIngestRequest(
    { method: 'POST', kind: 'Tweet', headers: { 'content-type': 'text/csv' }, body: WRONG_HEADER },
    { store, kinds: new KindRegistry() },
  );
  assert.deepEqual(res, {
    status: 400,
    body: {
      error:
        "The CSV header of the request body has unknown column(s) id, username and lacks the key column tid; Tweet's columns are tid, user, text, created_at, urls.",
    },
  });
  assert.equal(store.commits.length, 0);

  // A file ingest (storeGood) is refused whole too: no rows can be right under a wrong header.
  await assert.rejects(
    ingest(store, TweetKind, WRONG_HEADER, { format: 'csv', storeGood: true, source: 'a.csv' }),
    {
      name: 'IngestError',
      message:
        "The CSV header of a.csv has unknown column(s) id, username and lacks the key column tid; Tweet's columns are tid, user, text, created_at, urls.",
    },
  );
  const Log = defineKind({
    kind: 'Log',
    key: 'name',
    properties: { name: 'string', n: { type: 'integer', required: true }, note: 'string' },
  });
  await assert.rejects(ingest(store, Log, 'note\nx\n', { format: 'csv' }), {
    message:
      "The CSV header lacks the key column name and the required column(s) n; Log's columns are name, n, note.",
  });
  await assert.rejects(ingest(store, openKind('Thing', 'id'), 'name\nx\n', { format: 'csv' }), {
    message: 'The CSV header lacks the key column id.',
  });
  // Extra columns are fine for a kind that takes additional properties.
  const open = await ingest(store, openKind('Thing', 'id'), 'id,name\n1,x\n', { format: 'csv' });
  assert.equal(open.stored, 1);
  assert.equal(store.commits.length, 1);
});

test('an incoming-bucket CSV object with a wrong header gets that one message in its summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-object-'));
  try {
    const incoming = new FileBlobStore(dir);
    await incoming.put('ingest/Tweet/day.csv', WRONG_HEADER);
    const store = memoryStore();
    const outcome = await ingestObject('ingest/Tweet/day.csv', {
      incoming,
      store,
      kinds: new KindRegistry(),
    });
    const error =
      "The CSV header of ingest/Tweet/day.csv has unknown column(s) id, username and lacks the key column tid; Tweet's columns are tid, user, text, created_at, urls.";
    assert.deepEqual(outcome, { status: 'skipped', reason: error });
    assert.deepEqual(
      JSON.parse((await incoming.get('ingest-results/Tweet/day.csv.summary.json')).toString()),
      {
        object: 'ingest/Tweet/day.csv',
        error,
      },
    );
    assert.equal(store.commits.length, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
