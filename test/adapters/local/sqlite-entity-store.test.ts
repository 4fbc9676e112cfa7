import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SqliteEntityStore } from '../../../src/adapters/local/sqlite-entity-store.ts';
import { entityStoreContract } from '../../contracts/entity-store.ts';
import { collect, queryIds, seed } from '../../contracts/entity-store-helpers.ts';

const run = promisify(execFile);
const moduleUrl = new URL('../../../src/adapters/local/sqlite-entity-store.ts', import.meta.url).href;

entityStoreContract('SqliteEntityStore (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-sqlite-'));
  const store = new SqliteEntityStore(join(dir, 'entities.db'));
  return {
    store,
    cleanup: async () => {
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

entityStoreContract('SqliteEntityStore (:memory:, page size 7)', async () => {
  const store = new SqliteEntityStore(':memory:', { pageSize: 7 });
  return { store, cleanup: async () => store.close() };
});

void describe('SqliteEntityStore', () => {
  const withStore = async (
    body: (store: SqliteEntityStore, path: string) => Promise<void>,
  ): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-sqlite-'));
    const store = new SqliteEntityStore(join(dir, 'entities.db'), { pageSize: 3 });
    try {
      await body(store, join(dir, 'entities.db'));
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  };

  void test('two connections to one file see each other’s writes', async () => {
    await withStore(async (store, path) => {
      const other = new SqliteEntityStore(path);
      try {
        await seed(other, 'K', [['1', { v: 1 }]]);
        assert.deepEqual(await queryIds(store, { kind: 'K' }), ['1']);
        await store.delete([{ kind: 'K', id: '1' }]);
        assert.deepEqual(await other.get([{ kind: 'K', id: '1' }]), [undefined]);
      } finally {
        other.close();
      }
    });
  });

  void test('another process writing the same file at the same time loses no writes', async () => {
    await withStore(async (store, path) => {
      const script =
        `const { SqliteEntityStore } = await import(${JSON.stringify(moduleUrl)});` +
        `const s = new SqliteEntityStore(${JSON.stringify(path)});` +
        `for (let b = 0; b < 20; b++) await s.upsert(Array.from({ length: 50 }, (_, i) => ` +
        `({ key: { kind: 'W', name: 'child-' + (b * 50 + i) }, properties: { b } })));` +
        `s.close();`;
      const child = run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script]);
      for (let b = 0; b < 20; b++) {
        await seed(
          store,
          'W',
          Array.from({ length: 50 }, (_, i) => [`parent-${b * 50 + i}`, { b }]),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      await child;
      assert.equal((await collect(store.query({ kind: 'W', keysOnly: true }))).length, 2000);
    });
  });

  void test('a query keeps paging correctly while the caller deletes what it has seen', async () => {
    await withStore(async (store) => {
      await seed(
        store,
        'D',
        Array.from({ length: 10 }, (_, i) => [String(i + 1), { v: i }]),
      );
      const seen: string[] = [];
      for await (const entity of store.query({
        kind: 'D',
        orderBy: [{ property: 'v', direction: 'desc' }],
      })) {
        seen.push(entity.key.id ?? '');
        await store.delete([entity.key]);
      }
      assert.deepEqual(seen, ['10', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
    });
  });

  void test('a list property sorts by its smallest element ascending and its largest descending', async () => {
    await withStore(async (store) => {
      await seed(store, 'L', [
        ['a', { v: [5, 1] }],
        ['b', { v: [3] }],
        ['c', { v: [2, 9] }],
      ]);
      assert.deepEqual(await queryIds(store, { kind: 'L', orderBy: [{ property: 'v' }] }), ['a', 'c', 'b']);
      assert.deepEqual(
        await queryIds(store, { kind: 'L', orderBy: [{ property: 'v', direction: 'desc' }] }),
        ['c', 'a', 'b'],
      );
    });
  });

  void test('inequality filters on one list property must all hold for a single element', async () => {
    await withStore(async (store) => {
      await seed(store, 'L', [
        ['a', { v: [1, 10] }],
        ['b', { v: [5] }],
      ]);
      const ids = await queryIds(store, {
        kind: 'L',
        filters: [
          { property: 'v', op: '>', value: 2 },
          { property: 'v', op: '<', value: 8 },
        ],
      });
      assert.deepEqual(ids, ['b']);
    });
  });

  void test('filters match only values of their own type and reach into embedded entities by dotted path', async () => {
    await withStore(async (store) => {
      await seed(store, 'T', [
        ['a', { v: 5, o: { city: 'Oslo' } }],
        ['b', { v: '5', o: { city: 'Rome' } }],
        ['c', { v: null }],
      ]);
      assert.deepEqual(
        await queryIds(store, { kind: 'T', filters: [{ property: 'v', op: '>=', value: 0 }] }),
        ['a'],
      );
      assert.deepEqual(
        await queryIds(store, { kind: 'T', filters: [{ property: 'v', op: '=', value: null }] }),
        ['c'],
      );
      const rome = [{ property: 'o.city', op: '=' as const, value: 'Rome' }];
      assert.deepEqual(await queryIds(store, { kind: 'T', filters: rome }), ['b']);
    });
  });

  void test('paging through mixed-direction orders with ties returns each entity once, ties by key', async () => {
    await withStore(async (store) => {
      const rows = Array.from(
        { length: 20 },
        (_, i) => [`k${String(i).padStart(2, '0')}`, { a: i % 3, b: i % 4 }] as const,
      );
      await seed(
        store,
        'P',
        rows.map(([n, p]) => [n, { ...p }]),
      );
      const ids = await queryIds(store, {
        kind: 'P',
        orderBy: [{ property: 'a', direction: 'desc' }, { property: 'b' }],
      });
      const expected = [...rows]
        .sort(([ka, pa], [kb, pb]) => pb.a - pa.a || pa.b - pb.b || (ka < kb ? -1 : 1))
        .map(([n]) => n);
      assert.deepEqual(ids, expected);
    });
  });

  void test('splitKeyRanges cuts the key space into n ranges of near-equal size when it has enough keys', async () => {
    await withStore(async (store) => {
      await seed(
        store,
        'S',
        Array.from({ length: 100 }, (_, i) => [String(i + 1), {}]),
      );
      const ranges = await store.splitKeyRanges({ kind: 'S' }, 4);
      const sizes = [];
      for (const keyRange of ranges) sizes.push((await collect(store.query({ kind: 'S', keyRange }))).length);
      assert.deepEqual(sizes, [25, 25, 25, 25]);
    });
  });

  void test('bad keys, values and queries fail with messages that say what is allowed', async () => {
    await withStore(async (store) => {
      await assert.rejects(
        store.upsert([{ key: { kind: 'K', id: '007' }, properties: {} }]),
        /id "007" is not allowed.*decimal string/,
      );
      await assert.rejects(
        store.upsert([{ key: { kind: 'K', id: '1', name: 'x' }, properties: {} }]),
        /exactly one of id or name/,
      );
      await assert.rejects(
        store.upsert([{ key: { kind: 'K', name: 'x' }, properties: { v: [[1]] } }]),
        /"v" is a list inside a list/,
      );
      await assert.rejects(
        store.upsert([{ key: { kind: 'K', name: 'x' }, properties: { v: Number.NaN } }]),
        /finite numbers/,
      );
      const twice = [
        { key: { kind: 'K', name: 'x' }, properties: {} },
        { key: { kind: 'K', name: 'x' }, properties: {} },
      ];
      await assert.rejects(store.upsert(twice), /K\(name="x"\) appears twice/);
      await assert.rejects(
        collect(store.query({ kind: 'K', filters: [{ property: 'v', op: '>', value: null }] })),
        /null only supports "="/,
      );
      await assert.rejects(
        collect(store.query({ kind: 'K', keyRange: { start: { kind: 'Other', id: '1' } } })),
        /outside the query's kind "K"/,
      );
      await assert.rejects(store.splitKeyRanges({ kind: 'K' }, 0), /n must be an integer of at least 1/);
    });
  });
});
