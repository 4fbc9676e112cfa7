import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChange } from '../../jobs/datastore-migration.ts';
import { sameValue } from '../../src/index.ts';
import { backfill, migrateBackfill, wordCount } from '../../jobs/migrations/backfill.ts';
import { migrateDropProperty } from '../../jobs/migrations/drop-property.ts';
import { SqliteEntityStore } from '../../src/adapters/local/sqlite-entity-store.ts';
import { localPaths } from '../../src/runtime/local-adapters.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { runJob } from '../../src/testing.ts';
import { byKey, migrationTweets, plainBackfill, plainDropProperty } from './plain/migrations.ts';

const tweets = () => migrationTweets();

async function readKind(dataDir: string, kind: string): Promise<Entity[]> {
  const store = new SqliteEntityStore(localPaths(dataDir).entities);
  try {
    const all: Entity[] = [];
    for await (const e of store.query({ kind })) all.push(e);
    return all;
  } finally {
    store.close();
  }
}

async function withDataDir(body: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'migrate-'));
  try {
    await body(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('a change is the end state: only what differs counts, and nothing when already migrated', () => {
  const e: Entity = { key: { kind: 'K', name: 'a' }, properties: { a: 1, at: new Date(5), l: ['x'] } };
  assert.equal(applyChange(e, { set: { a: 1, at: new Date(5), l: ['x'] }, remove: ['gone'] }), undefined);
  assert.deepEqual(applyChange(e, { set: { a: 2 }, remove: ['l'] }), {
    properties: { a: 2, at: new Date(5) },
    set: { a: 2 },
    remove: ['l'],
  });
  assert.deepEqual(applyChange(e, { delete: true }), { delete: true });
  assert.equal(sameValue({ x: [1, { y: 2 }] }, { x: [1, { y: 2 }] }), true);
  assert.equal(sameValue(new Date(1), '1970-01-01T00:00:00.001Z'), false);
  assert.equal(wordCount('  two  words '), 2);
  assert.equal(
    backfill({ key: { kind: 'Tweet', id: '1' }, properties: { text: 5 } }, 'word_count'),
    undefined,
  );
});

test('migrate-drop-property drops the property from its kind only; a re-run changes nothing', async () => {
  await withDataDir(async (dataDir) => {
    const params = { kind: 'Tweet', property: 'score' };
    const first = await runJob(migrateDropProperty, { entities: tweets(), dataDir, params, shards: 3 });
    assert.equal(first.run.status, 'DONE', JSON.stringify(first.run.error));
    const counters = first.run.stages[0]!.counters!;
    assert.equal(counters['entities-seen'], 1234);
    assert.equal(counters['entities-changed'], 412);
    assert.equal(counters['entities-deleted'], undefined);
    assert.deepEqual(first.outputs.report, [], 'a real run reports nothing');
    const after = await readKind(dataDir, 'Tweet');
    assert.equal(after.length, 1234);
    assert.ok(after.every((e) => !('score' in e.properties)));
    const want = plainDropProperty(tweets(), 'Tweet', 'score');
    assert.equal(counters['entities-changed'], want.changed);
    assert.deepEqual(byKey(after), byKey(want.after.filter((e) => e.key.kind === 'Tweet')));
    const t0 = after.find((e) => e.key.id === '1000')!;
    assert.deepEqual(t0.properties, {
      user: 'bob0',
      text: '',
      created_at: new Date(Date.UTC(2026, 10, 20, 0, 0)),
    });
    assert.deepEqual((await readKind(dataDir, 'Note'))[0]!.properties, { score: 1 }, 'other kinds untouched');

    const second = await runJob(migrateDropProperty, { dataDir, params, shards: 3 });
    assert.equal(second.run.stages[0]!.counters!['entities-seen'], 1234);
    assert.equal(second.run.stages[0]!.counters!['entities-changed'] ?? 0, 0);
  });
});

test('dryRun counts and reports what would change and writes nothing', async () => {
  await withDataDir(async (dataDir) => {
    const { run, outputs } = await runJob(migrateBackfill, {
      entities: tweets(),
      dataDir,
      params: { property: 'user_lc', dryRun: true },
      shards: 2,
    });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    assert.equal(run.stages[0]!.counters!['entities-changed'], 1234);
    assert.equal(outputs.report!.length, 1234);
    const entry = outputs.report!.find((r) => (r.key as { id: string }).id === '1001');
    assert.deepEqual(entry, {
      key: { kind: 'Tweet', id: '1001' },
      action: 'update',
      set: { user_lc: 'ann1' },
      remove: [],
      dryRun: true,
    });
    assert.ok(
      (await readKind(dataDir, 'Tweet')).every((e) => !('user_lc' in e.properties)),
      'nothing written',
    );
  });
});

test('migrate-backfill computes word_count; a re-run, and a run after a text edit, change only what differs', async () => {
  await withDataDir(async (dataDir) => {
    const first = await runJob(migrateBackfill, { entities: tweets(), dataDir, shards: 4 });
    assert.equal(first.run.status, 'DONE', JSON.stringify(first.run.error));
    assert.equal(first.run.stages[0]!.counters!['entities-changed'], 1234);
    const after = await readKind(dataDir, 'Tweet');
    assert.ok(after.every((e) => e.properties.word_count === wordCount(e.properties.text as string)));
    const want = plainBackfill(tweets(), 'Tweet', 'word_count');
    assert.deepEqual(byKey(after), byKey(want.after.filter((e) => e.key.kind === 'Tweet')));
    assert.equal(after.find((e) => e.key.id === '1003')!.properties.word_count, 3);

    const again = await runJob(migrateBackfill, { dataDir, shards: 4 });
    assert.equal(again.run.stages[0]!.counters!['entities-changed'] ?? 0, 0);

    const edited = after.find((e) => e.key.id === '1003')!;
    const third = await runJob(migrateBackfill, {
      dataDir,
      entities: [{ ...edited, properties: { ...edited.properties, text: 'now just four words' } }],
    });
    assert.equal(third.run.stages[0]!.counters!['entities-changed'], 1);
    const fixed = (await readKind(dataDir, 'Tweet')).find((e) => e.key.id === '1003')!;
    assert.equal(fixed.properties.word_count, 4);
  });
});

test('a migration without its required params is refused before it runs', async () => {
  const { run } = await runJob(migrateDropProperty, { params: { kind: 'Tweet' } });
  assert.equal(run.status, 'REJECTED');
  assert.match(run.error?.message ?? '', /param "property" is required/);
});
