import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { entitiesInput, entitiesReader } from '../../../src/io/inputs/entities.ts';
import { SqliteEntityStore } from '../../../src/adapters/local/sqlite-entity-store.ts';
import type { Entity } from '../../../src/ports/entity-store.ts';
import { readSplits, splitContext } from '../helpers.ts';

function tweets(n: number): Entity[] {
  return Array.from({ length: n }, (_, i) => ({
    key: { kind: 'Tweet', id: String(1000 + i * 7) },
    properties: { lang: i % 3 === 0 ? 'en' : 'fr', n: i },
  }));
}

describe('entities input', () => {
  test('key-range splits cover every entity exactly once', async () => {
    const store = new SqliteEntityStore(':memory:');
    try {
      const all = tweets(1234);
      for (let i = 0; i < all.length; i += 500) await store.upsert(all.slice(i, i + 500));
      await store.upsert([{ key: { kind: 'Other', name: 'x' }, properties: {} }]);
      for (const shards of [1, 2, 7, 16]) {
        const splits = await readSplits(
          entitiesReader,
          entitiesInput('Tweet'),
          shards,
          splitContext({ entities: store }),
        );
        assert.ok(splits.length <= shards);
        if (shards > 1) assert.ok(splits.length > 1, 'the store should cut the key space');
        const ids = splits.flat().map((r) => r.value.key.id);
        assert.deepEqual(ids.sort(), all.map((e) => e.key.id).sort());
      }
    } finally {
      store.close();
    }
  });

  test('filters apply in every split, and positions name the key', async () => {
    const store = new SqliteEntityStore(':memory:');
    try {
      await store.upsert(tweets(60));
      const spec = entitiesInput('Tweet', { filters: [{ property: 'lang', op: '=', value: 'en' }] });
      const records = (await readSplits(entitiesReader, spec, 4, splitContext({ entities: store }))).flat();
      assert.equal(records.length, 20);
      assert.ok(records.every((r) => r.value.properties.lang === 'en'));
      assert.equal(await records[0]!.position(), 'Tweet key id 1000');
    } finally {
      store.close();
    }
  });

  test('an entities input needs a kind', () => {
    assert.throws(() => entitiesInput(''), {
      name: 'ConfigError',
      message: `An entities input needs a kind, e.g. input.entities('Tweet'); got "".`,
    });
  });
});
