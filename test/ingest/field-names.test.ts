// Field names that are also names of Object.prototype's members (constructor, toString,
// __proto__, hasOwnProperty) are ordinary data: a record carrying one is either stored (a kind that
// declares or accepts it) or rejected with a reason, on its own, never a crash of the whole body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import type { Entity, EntityStore } from '../../src/ports/entity-store.ts';
import type { KindDefinition } from '../../src/ingest/index.ts';
import {
  defineKind,
  ingest,
  ingestObject,
  KindRegistry,
  openKind,
  TweetKind,
} from '../../src/ingest/index.ts';

function memoryStore(): EntityStore & { all: Entity[] } {
  const all: Entity[] = [];
  return {
    all,
    upsert: async (entities) => void all.push(...entities),
    delete: async () => {},
    get: async () => [],
    query: async function* () {},
    splitKeyRanges: async () => [{}],
  };
}

const tweet = (tid: number, extra = '') =>
  `{"tid":${tid},"user":"ann","text":"hi","created_at":"2026-11-20T10:00:00Z"${extra}}`;

const TWEET_PROPS = 'Tweet has tid, user, text, created_at, urls';

test('a closed kind rejects constructor, toString and __proto__ fields per record and stores the rest', async () => {
  const store = memoryStore();
  const body = [
    tweet(1),
    tweet(2, ',"constructor":"x"'),
    tweet(3, ',"toString":1'),
    tweet(4, ',"__proto__":{"user":"eve"}'),
    tweet(5, ',"hasOwnProperty":null'),
    tweet(6),
  ].join('\n');
  const result = await ingest(store, TweetKind, body, { format: 'ndjson', storeGood: true });
  assert.equal(result.stored, 2);
  assert.deepEqual(
    store.all.map((e) => e.key.id),
    ['1', '6'],
  );
  assert.deepEqual(
    result.rejected.map((r) => [r.line, r.problems]),
    [
      [2, [`unknown property "constructor" (${TWEET_PROPS})`]],
      [3, [`unknown property "toString" (${TWEET_PROPS})`]],
      [4, ['property name "__proto__" is reserved (names of the form __name__ are); rename the field']],
      [5, [`unknown property "hasOwnProperty" (${TWEET_PROPS})`]],
    ],
  );
});

test('an open kind stores constructor and toString as properties and rejects __proto__', async () => {
  const store = memoryStore();
  const body = '{"k":1,"constructor":"c","toString":2}\n{"k":2,"__proto__":{"polluted":true}}\n';
  const result = await ingest(store, openKind('Thing', 'k'), body, { format: 'ndjson', storeGood: true });
  assert.equal(result.stored, 1);
  const [stored] = store.all;
  assert.ok(stored);
  assert.ok(Object.hasOwn(stored.properties, 'constructor') && Object.hasOwn(stored.properties, 'toString'));
  assert.equal(stored.properties.constructor, 'c');
  assert.equal(stored.properties.toString, 2);
  assert.equal(Object.getPrototypeOf(stored.properties), Object.prototype, 'no prototype was replaced');
  assert.deepEqual(result.rejected[0]?.problems, [
    'property name "__proto__" is reserved (names of the form __name__ are); rename the field',
  ]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a kind may declare a property named constructor; a record missing it is missing it', async () => {
  const Odd = defineKind({
    kind: 'Odd',
    key: 'id',
    // Parsed, as a module's literal { constructor: … } would be typed as Object's constructor.
    properties: JSON.parse(
      '{"id":"string","constructor":{"type":"string","required":true},"toString":"integer"}',
    ) as KindDefinition['properties'],
  });
  const store = memoryStore();
  const result = await ingest(
    store,
    Odd,
    '{"id":"a","constructor":"Foo","toString":3}\n{"id":"b"}\n{"id":"c","constructor":"X","toString":"y"}\n',
    { format: 'ndjson', storeGood: true },
  );
  assert.deepEqual(store.all[0]?.properties, { id: 'a', constructor: 'Foo', toString: 3n });
  assert.deepEqual(
    result.rejected.map((r) => [r.line, r.problems]),
    [
      [2, ['missing "constructor"']],
      [3, ['"toString" must be an integer (a number or a decimal string); got "y"']],
    ],
  );
  assert.throws(
    () =>
      defineKind({ kind: 'Bad', key: 'id', properties: JSON.parse('{"id":"string","__proto__":"string"}') }),
    { name: 'ConfigError', message: /property name "__proto__" is reserved/ },
  );
  assert.throws(
    () =>
      defineKind({ kind: 'Bad', key: 'id', properties: JSON.parse('{"id":"string","__key__":"string"}') }),
    {
      name: 'ConfigError',
      message: 'Kind "Bad": property name "__key__" is reserved (names of the form __name__ are); rename it.',
    },
  );
});

test('a CSV header with a constructor column is an unknown column of a closed kind', async () => {
  await assert.rejects(
    ingest(memoryStore(), TweetKind, 'tid,user,constructor\n1,ann,x\n', { format: 'csv', source: 'a.csv' }),
    {
      name: 'IngestError',
      message: `The CSV header of a.csv has unknown column(s) constructor; Tweet's columns are tid, user, text, created_at, urls.`,
    },
  );
});

test('an incoming-bucket file with a toString field stores its good records and rejects that line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-names-'));
  try {
    const incoming = new FileBlobStore(dir);
    await incoming.put(
      'ingest/Tweet/day.ndjson',
      `${tweet(1)}\n${tweet(2, ',"toString":"x"')}\n${tweet(3)}\n`,
    );
    const store = memoryStore();
    const outcome = await ingestObject('ingest/Tweet/day.ndjson', {
      incoming,
      store,
      kinds: new KindRegistry(),
    });
    assert.equal(outcome.status, 'ingested');
    assert.deepEqual(
      store.all.map((e) => e.key.id),
      ['1', '3'],
    );
    const rejects = (await incoming.get('ingest-results/Tweet/day.ndjson.rejects.ndjson')).toString();
    assert.match(rejects, /"line":2,"problems":\["unknown property \\"toString\\"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
