// The EntityStore contract: every adapter (SQLite locally, Datastore on the emulator) must pass it.
// Usage: entityStoreContract('SqliteEntityStore', async () => ({ store, cleanup })).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MUTATIONS_PER_COMMIT } from '../../src/ports/entity-store.ts';
import type { EntityStore, EntityValue, KeyRange } from '../../src/ports/entity-store.ts';
import { collect, keyText, makeKey, queryIds, seed, uniqueKind } from './entity-store-helpers.ts';
import { entityStoreQueryCases } from './entity-store-queries.ts';

export function entityStoreContract(
  name: string,
  make: () => Promise<{ store: EntityStore; cleanup(): Promise<void> }>,
): void {
  void describe(`EntityStore contract: ${name}`, () => {
    let made: { store: EntityStore; cleanup(): Promise<void> } | undefined;
    const store = (): EntityStore => {
      assert.ok(made, 'the store was not created');
      return made.store;
    };
    before(async () => {
      made = await make();
    });
    after(async () => {
      await made?.cleanup();
    });

    void test('every value type round-trips with its type', async () => {
      const kind = uniqueKind('Types');
      const properties: Record<string, EntityValue> = {
        text: 'héllo 🌍',
        empty: '',
        int: 42,
        negative: -7,
        big: 2 ** 40,
        float: 1.5,
        yes: true,
        no: false,
        nothing: null,
        when: new Date('2024-02-29T23:59:58.123Z'),
        list: ['a', 1, true, null, new Date('2020-01-01T00:00:00.000Z')],
        nested: { inner: { deep: 'x', at: new Date(0) }, items: [{ n: 1 }, { n: 2 }] },
      };
      await store().upsert([{ key: makeKey(kind, 'all'), properties }]);
      const [got] = await store().get([makeKey(kind, 'all')]);
      assert.ok(got);
      assert.equal(keyText(got.key), keyText(makeKey(kind, 'all')));
      assert.deepEqual(got.properties, properties);
      assert.ok(got.properties.when instanceof Date);
    });

    void test('a bigint is a 64-bit integer: it reads back as a number, or a decimal string past 2^53, and filters as one', async () => {
      const kind = uniqueKind('Bigints');
      await seed(store(), kind, [
        ['a', { n: 5n, huge: 1234567890123456789n, list: [1n, 2n] }],
        ['b', { n: 9n }],
      ]);
      const [a] = await store().get([makeKey(kind, 'a')]);
      assert.deepEqual(a?.properties, { n: 5, huge: '1234567890123456789', list: [1, 2] });
      assert.deepEqual(await queryIds(store(), { kind, filters: [{ property: 'n', op: '>', value: 6n }] }), [
        'b',
      ]);
    });

    void test('get returns one result per requested key in request order, undefined for missing keys', async () => {
      const kind = uniqueKind('Get');
      await seed(store(), kind, [
        ['1', { v: 1 }],
        ['x', { v: 2 }],
      ]);
      const got = await store().get([makeKey(kind, 'x'), makeKey(kind, '2'), makeKey(kind, '1')]);
      assert.deepEqual(
        got.map((e) => e?.properties.v),
        [2, undefined, 1],
      );
    });

    void test('upsert is idempotent and replaces all properties of an existing entity', async () => {
      const kind = uniqueKind('Upsert');
      const key = makeKey(kind, 'k');
      await store().upsert([{ key, properties: { a: 1, b: 'old' } }]);
      await store().upsert([{ key, properties: { a: 1, b: 'old' } }]);
      await store().upsert([{ key, properties: { a: 2 } }]);
      const all = await collect(store().query({ kind }));
      assert.equal(all.length, 1);
      assert.deepEqual(all[0]?.properties, { a: 2 });
      assert.deepEqual(
        await queryIds(store(), { kind, filters: [{ property: 'b', op: '=', value: 'old' }] }),
        [],
      );
    });

    void test('delete removes entities from get and query and ignores missing keys', async () => {
      const kind = uniqueKind('Delete');
      await seed(store(), kind, [
        ['1', { v: 1 }],
        ['2', { v: 2 }],
      ]);
      await store().delete([makeKey(kind, '1'), makeKey(kind, '99')]);
      assert.deepEqual(await store().get([makeKey(kind, '1')]), [undefined]);
      assert.deepEqual(await queryIds(store(), { kind, filters: [{ property: 'v', op: '>=', value: 0 }] }), [
        '2',
      ]);
    });

    void test(`upsert and delete reject more than ${MAX_MUTATIONS_PER_COMMIT} mutations and write nothing`, async () => {
      const kind = uniqueKind('Batch');
      const keys = Array.from({ length: MAX_MUTATIONS_PER_COMMIT + 1 }, (_, i) =>
        makeKey(kind, String(i + 1)),
      );
      const tooMany = /501 mutations.*at most 500/s;
      await assert.rejects(store().upsert(keys.map((key) => ({ key, properties: { v: 1 } }))), tooMany);
      assert.deepEqual(await store().get([keys[0]!]), [undefined]);
      await assert.rejects(store().delete(keys), tooMany);
      await store().upsert(keys.slice(0, MAX_MUTATIONS_PER_COMMIT).map((key) => ({ key, properties: {} })));
      assert.equal((await collect(store().query({ kind, keysOnly: true }))).length, MAX_MUTATIONS_PER_COMMIT);
    });

    void test('namespaces isolate entities with the same kind and key', async () => {
      const kind = uniqueKind('Ns');
      const ns = uniqueKind('tenant');
      await seed(store(), kind, [['k', { where: 'default' }]]);
      await seed(store(), kind, [['k', { where: 'tenant' }]], ns);
      const [inDefault, inTenant] = await store().get([makeKey(kind, 'k'), makeKey(kind, 'k', ns)]);
      assert.equal(inDefault?.properties.where, 'default');
      assert.equal(inTenant?.properties.where, 'tenant');
      assert.equal(inTenant?.key.namespace, ns);
      const listed = await collect(store().query({ kind, namespace: ns }));
      assert.deepEqual(
        listed.map((e) => e.properties.where),
        ['tenant'],
      );
      await store().delete([makeKey(kind, 'k', ns)]);
      assert.equal((await store().get([makeKey(kind, 'k')]))[0]?.properties.where, 'default');
    });

    void test('integer ids beyond 2^53 round-trip exactly', async () => {
      const kind = uniqueKind('BigId');
      const id = '9007199254740993';
      await seed(store(), kind, [[id, { v: 1 }]]);
      const [got] = await store().get([{ kind, id }]);
      assert.equal(got?.key.id, id);
      assert.equal((await collect(store().query({ kind })))[0]?.key.id, id);
    });

    entityStoreQueryCases(store);

    void describe('splitKeyRanges', () => {
      let kind = '';
      const expected: string[] = [];
      before(async () => {
        kind = uniqueKind('Split');
        const rows: [string, Record<string, EntityValue>][] = [];
        for (let i = 1; i <= 200; i++) rows.push([String(i * 7919), { group: i % 3 }]);
        for (let i = 0; i < 100; i++) rows.push([`name-${String(i).padStart(3, '0')}`, { group: i % 3 }]);
        await seed(store(), kind, rows);
        expected.push(...rows.map(([n]) => keyText(makeKey(kind, n))));
      });

      for (let n = 1; n <= 8; n++) {
        void test(`n=${n}: at most ${n} contiguous ranges that together return every entity exactly once`, async () => {
          const ranges = await store().splitKeyRanges({ kind }, n);
          assertContiguous(ranges, n);
          const seen: string[] = [];
          for (const keyRange of ranges) {
            for (const e of await collect(store().query({ kind, keyRange, keysOnly: true })))
              seen.push(keyText(e.key));
          }
          assert.deepEqual([...seen].sort(), [...expected].sort());
        });
      }

      void test('ranges of a filtered query cover every matching entity exactly once', async () => {
        const filters = [{ property: 'group', op: '=' as const, value: 1 }];
        const ranges = await store().splitKeyRanges({ kind, filters }, 4);
        assertContiguous(ranges, 4);
        const seen: string[] = [];
        for (const keyRange of ranges) seen.push(...(await queryIds(store(), { kind, filters, keyRange })));
        assert.equal(seen.length, 100);
        assert.equal(new Set(seen).size, 100);
      });

      void test('an empty kind gives one unbounded range', async () => {
        assert.deepEqual(await store().splitKeyRanges({ kind: uniqueKind('Empty') }, 5), [{}]);
      });
    });
  });
}

function assertContiguous(ranges: readonly KeyRange[], n: number): void {
  assert.ok(ranges.length >= 1 && ranges.length <= n, `expected 1..${n} ranges, got ${ranges.length}`);
  assert.equal(ranges[0]?.start, undefined, 'the first range has no start');
  assert.equal(ranges.at(-1)?.end, undefined, 'the last range has no end');
  for (let i = 1; i < ranges.length; i++) {
    const end = ranges[i - 1]?.end;
    const start = ranges[i]?.start;
    assert.ok(end && start, `ranges ${i - 1} and ${i} must meet at a key`);
    assert.equal(keyText(end), keyText(start), `range ${i - 1} ends where range ${i} starts`);
  }
}
