// EntityStore contract, part 2: queries. Registered by entityStoreContract (entity-store.ts).
// Every case sticks to semantics Firestore in Datastore mode shares with the local store: one type
// per property, no ties in ordered results, the inequality property ordered first.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityStore, FilterOp } from '../../src/ports/entity-store.ts';
import { collect, keyText, makeKey, queryIds, seed, uniqueKind } from './entity-store-helpers.ts';

const day = (d: number): Date => new Date(Date.UTC(2024, 0, d, 12));

export function entityStoreQueryCases(getStore: () => EntityStore): void {
  void describe('queries', () => {
    // e1..e3 differ in every property; e4 lacks them all and so never matches or sorts.
    const fruit = async (): Promise<string> => {
      const kind = uniqueKind('Fruit');
      await seed(getStore(), kind, [
        ['e1', { s: 'apple', n: 1, t: day(1), tags: ['red', 'sweet'] }],
        ['e2', { s: 'banana', n: 2.5, t: day(2), tags: ['yellow', 'sweet'] }],
        ['e3', { s: 'cherry', n: 3, t: day(3), tags: ['red'] }],
        ['e4', { other: true }],
      ]);
      return kind;
    };

    const cases: [string, FilterOp, string | number | Date, string[]][] = [];
    const values = { s: ['banana', 'apple', 'cherry'], n: [2.5, 1, 3], t: [day(2), day(1), day(3)] } as const;
    for (const [property, [middle]] of Object.entries(values)) {
      cases.push(
        [property, '=', middle, ['e2']],
        [property, '<', middle, ['e1']],
        [property, '<=', middle, ['e1', 'e2']],
        [property, '>', middle, ['e3']],
        [property, '>=', middle, ['e2', 'e3']],
      );
    }
    for (const [property, op, value, expected] of cases) {
      const shown = value instanceof Date ? value.toISOString() : JSON.stringify(value);
      void test(`filter ${property} ${op} ${shown} returns ${expected.join(', ')}`, async () => {
        const kind = await fruit();
        const ids = await queryIds(getStore(), { kind, filters: [{ property, op, value }] });
        assert.deepEqual(ids, expected);
      });
    }

    void test('an equality filter on a list property matches entities where any element is equal', async () => {
      const kind = await fruit();
      const store = getStore();
      assert.deepEqual(
        await queryIds(store, { kind, filters: [{ property: 'tags', op: '=', value: 'red' }] }),
        ['e1', 'e3'],
      );
      const both = await queryIds(store, {
        kind,
        filters: [
          { property: 'tags', op: '=', value: 'red' },
          { property: 'tags', op: '=', value: 'sweet' },
        ],
      });
      assert.deepEqual(both, ['e1']);
    });

    void test('several filters are ANDed', async () => {
      const kind = await fruit();
      const ids = await queryIds(getStore(), {
        kind,
        filters: [
          { property: 'tags', op: '=', value: 'sweet' },
          { property: 'n', op: '>', value: 1 },
          { property: 'n', op: '<=', value: 3 },
        ],
      });
      assert.deepEqual(ids, ['e2']);
    });

    void test('orderBy sorts ascending and descending and leaves out entities without the property', async () => {
      const kind = await fruit();
      const store = getStore();
      assert.deepEqual(await queryIds(store, { kind, orderBy: [{ property: 'n' }] }), ['e1', 'e2', 'e3']);
      assert.deepEqual(await queryIds(store, { kind, orderBy: [{ property: 's', direction: 'desc' }] }), [
        'e3',
        'e2',
        'e1',
      ]);
      assert.deepEqual(await queryIds(store, { kind, orderBy: [{ property: 't', direction: 'desc' }] }), [
        'e3',
        'e2',
        'e1',
      ]);
    });

    void test('orderBy combines with an inequality filter on the same property', async () => {
      const kind = await fruit();
      const ids = await queryIds(getStore(), {
        kind,
        filters: [{ property: 't', op: '>=', value: day(2) }],
        orderBy: [{ property: 't', direction: 'desc' }],
      });
      assert.deepEqual(ids, ['e3', 'e2']);
    });

    void test('limit caps the results and keysOnly returns keys with empty properties', async () => {
      const kind = await fruit();
      const store = getStore();
      assert.deepEqual(
        await queryIds(store, { kind, orderBy: [{ property: 'n', direction: 'desc' }], limit: 2 }),
        ['e3', 'e2'],
      );
      assert.deepEqual(await queryIds(store, { kind, limit: 0 }), []);
      const keys = await collect(store.query({ kind, keysOnly: true }));
      assert.deepEqual(
        keys.map((e) => [keyText(e.key), e.properties]),
        ['e1', 'e2', 'e3', 'e4'].map((n) => [keyText(makeKey(kind, n)), {}]),
      );
    });

    void test('a query without order returns keys in Datastore key order: ids numerically, then names', async () => {
      const kind = uniqueKind('Order');
      const ids = ['9223372036854775807', '9007199254740993', '9007199254740992', '100', '20', '3'];
      await seed(
        getStore(),
        kind,
        [...['b', 'a', 'B'], ...ids].map((n) => [n, { v: 1 }] as [string, { v: number }]),
      );
      assert.deepEqual(await queryIds(getStore(), { kind }), [...ids].reverse().concat(['B', 'a', 'b']));
    });

    void test('key ranges are half-open [start, end) in key order', async () => {
      const kind = uniqueKind('Range');
      const store = getStore();
      const names = ['1', '2', '3', '10', '11', 'a', 'b', 'c'];
      await seed(
        store,
        kind,
        names.map((n) => [n, { v: 1 }]),
      );
      const range = async (start?: string, end?: string): Promise<string[]> =>
        queryIds(store, {
          kind,
          keyRange: {
            ...(start && { start: makeKey(kind, start) }),
            ...(end && { end: makeKey(kind, end) }),
          },
        });
      assert.deepEqual(await range('3', '11'), ['3', '10']);
      assert.deepEqual(await range('10'), ['10', '11', 'a', 'b', 'c']);
      assert.deepEqual(await range(undefined, 'b'), ['1', '2', '3', '10', '11', 'a']);
      assert.deepEqual(await range('11', 'b'), ['11', 'a']);
      assert.deepEqual(await range('4', '5'), []);
    });

    // Datastore puts the inequality on __key__ first: a key range combines with equality filters.
    void test('a key range combines with equality filters', async () => {
      const kind = await fruit();
      const ids = await queryIds(getStore(), {
        kind,
        keyRange: { start: makeKey(kind, 'e2') },
        filters: [{ property: 'tags', op: '=', value: 'red' }],
      });
      assert.deepEqual(ids, ['e3']);
    });

    void test('a query pages through more entities than one batch, in order, each once', async () => {
      const kind = uniqueKind('Many');
      const store = getStore();
      const rows = Array.from(
        { length: 1200 },
        (_, i) => [String(i + 1), { n: i % 7, i }] as [string, { n: number; i: number }],
      );
      await seed(store, kind, rows);
      const all = await queryIds(store, { kind });
      assert.deepEqual(
        all,
        rows.map(([id]) => id),
      );
      const sevens = await queryIds(store, { kind, filters: [{ property: 'n', op: '=', value: 6 }] });
      assert.deepEqual(
        sevens,
        rows.filter(([, p]) => p.n === 6).map(([id]) => id),
      );
    });
  });
}
