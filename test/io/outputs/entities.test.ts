import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { SqliteEntityStore } from '../../../src/adapters/local/sqlite-entity-store.ts';
import { entitiesOutput, entitiesWriter } from '../../../src/io/outputs/entities.ts';
import type { Entity, EntityKey, EntityStore } from '../../../src/ports/entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../../src/ports/entity-store.ts';
import { finalizeContext, readText, taskOutputContext, withTempDir } from '../helpers.ts';

/** Counts commits and their sizes on the way to a real store. */
class CountingEntityStore implements EntityStore {
  readonly inner: EntityStore;
  readonly commits: { op: 'upsert' | 'delete'; size: number }[] = [];
  constructor(inner: EntityStore) {
    this.inner = inner;
  }
  async upsert(entities: readonly Entity[]): Promise<void> {
    this.commits.push({ op: 'upsert', size: entities.length });
    await this.inner.upsert(entities);
  }
  async delete(keys: readonly EntityKey[]): Promise<void> {
    this.commits.push({ op: 'delete', size: keys.length });
    await this.inner.delete(keys);
  }
  get = (keys: readonly EntityKey[]) => this.inner.get(keys);
  query: EntityStore['query'] = (q) => this.inner.query(q);
  splitKeyRanges: EntityStore['splitKeyRanges'] = (q, n) => this.inner.splitKeyRanges(q, n);
}

async function withStores(
  fn: (entities: CountingEntityStore, blobs: FileBlobStore) => Promise<void>,
): Promise<void> {
  const sqlite = new SqliteEntityStore(':memory:');
  try {
    await withTempDir((dir) => fn(new CountingEntityStore(sqlite), new FileBlobStore(dir)));
  } finally {
    sqlite.close();
  }
}

describe('entities output', () => {
  test('upserts in commits of at most 500 and counts mutations through its parts', async () => {
    await withStores(async (entities, blobs) => {
      const writer = entitiesWriter.open(
        entitiesOutput({ kind: 'Word' }),
        taskOutputContext({ blobs, entities }),
      );
      for (let i = 0; i < 1234; i++) await writer.write({ key: { name: `w${i}` }, properties: { n: i } });
      const { parts } = await writer.close();
      assert.deepEqual(entities.commits, [
        { op: 'upsert', size: 500 },
        { op: 'upsert', size: 500 },
        { op: 'upsert', size: 234 },
      ]);
      assert.ok(entities.commits.every((c) => c.size <= MAX_MUTATIONS_PER_COMMIT));
      const [w7] = await entities.get([{ kind: 'Word', name: 'w7' }]);
      assert.deepEqual(w7?.properties, { n: 7 });
      assert.equal(
        (await readText(blobs, parts[0]!.name)).split('\n')[0],
        '{"key":{"kind":"Word","name":"w0"}}',
      );
      assert.deepEqual(
        await entitiesWriter.finalize(entitiesOutput({ kind: 'Word' }), finalizeContext({ parts })),
        {
          target: 'entities:Word',
          rows: 1234,
        },
      );
    });
  });

  test('keeps the order of upserts and deletes of one key, never two in one commit', async () => {
    await withStores(async (entities, blobs) => {
      const writer = entitiesWriter.open(entitiesOutput(), taskOutputContext({ blobs, entities }));
      const key = { kind: 'T', id: '5' };
      void writer.write({ key: { kind: 'T', id: '4' }, properties: { v: 1 } });
      void writer.write({ key, properties: { v: 1 } });
      void writer.write({ key, properties: { v: 2 } });
      void writer.write({ delete: key });
      void writer.write({ key: { kind: 'T', id: 6 }, properties: { v: 3 } });
      await writer.close();
      assert.deepEqual(entities.commits, [
        { op: 'upsert', size: 2 },
        { op: 'upsert', size: 1 },
        { op: 'delete', size: 1 },
        { op: 'upsert', size: 1 },
      ]);
      const got = await entities.get([{ kind: 'T', id: '4' }, key, { kind: 'T', id: '6' }]);
      assert.deepEqual(
        got.map((e) => e?.properties.v),
        [1, undefined, 3],
      );
    });
  });

  const refusals: [string, unknown, string][] = [
    [
      'a record that is not an entity',
      { name: 'x' },
      `Output "words" (entities): records must be { key, properties } to upsert an entity or { delete: key } to delete one; got {"name":"x"}; emit e.g. { key: { kind: 'Tweet', id: '123' }, properties: { text: 'hi' } }.`,
    ],
    [
      'a key without id or name',
      { key: { kind: 'Word' }, properties: {} },
      'Output "words" (entities): the key {"kind":"Word"} must have exactly one of id and name; keys without an id would get a new one on every retry, so writes must name their entity.',
    ],
    [
      'a key of another kind',
      { key: { kind: 'Other', name: 'a' }, properties: {} },
      'Output "words" (entities): the key {"kind":"Other","name":"a"} is of kind "Other" but this output writes "Word"; use another output for that kind.',
    ],
    [
      'an id that is not an integer',
      { delete: { id: 'abc' } },
      'Output "words" (entities): the key id "abc" is not a positive integer; write ids as decimal strings like \'1234\' (or use name for text).',
    ],
  ];
  for (const [what, record, message] of refusals) {
    test(`refuses ${what}`, async () => {
      await withStores(async (entities, blobs) => {
        const writer = entitiesWriter.open(
          entitiesOutput({ kind: 'Word' }),
          taskOutputContext({ blobs, entities }),
        );
        assert.throws(() => writer.write(record), { name: 'NonRetryableError', message });
        await writer.abort();
      });
    });
  }

  test('a store failure fails close, and abort still cleans up', async () => {
    await withStores(async (entities, blobs) => {
      const broken: EntityStore = Object.assign(Object.create(entities) as EntityStore, {
        upsert: async () => {
          throw new Error('datastore unavailable');
        },
      });
      const writer = entitiesWriter.open(
        entitiesOutput({ kind: 'W' }),
        taskOutputContext({ blobs, entities: broken }),
      );
      void writer.write({ key: { name: 'a' }, properties: {} });
      await assert.rejects(writer.close(), /datastore unavailable/);
      await writer.abort();
    });
  });
});
