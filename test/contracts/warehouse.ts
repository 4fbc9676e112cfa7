// The Warehouse contract: every adapter (DuckDB locally, BigQuery on the fake server) must pass it.
// `make` returns a warehouse plus `writeSource(name, ndjson)`, which stores an NDJSON object under
// the name a LoadRequest's `sources` refers to. Tables are plain names, unique per test; queries
// use only SQL that DuckDB and BigQuery read alike.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LoadRequest, TableSchema, Warehouse } from '../../src/ports/warehouse.ts';

export interface WarehouseFixture {
  warehouse: Warehouse;
  writeSource(name: string, ndjson: string): Promise<void>;
  cleanup(): Promise<void>;
}

const unique = (label: string): string => `${label}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const ndjson = (rows: readonly object[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

const WORDS: TableSchema = {
  columns: [
    { name: 'word', type: 'STRING', mode: 'REQUIRED' },
    { name: 'n', type: 'INT64' },
  ],
};

export function warehouseContract(name: string, make: () => Promise<WarehouseFixture>): void {
  void describe(`Warehouse contract: ${name}`, () => {
    let fixture: WarehouseFixture | undefined;
    const wh = (): Warehouse => {
      assert.ok(fixture, 'the warehouse was not created');
      return fixture.warehouse;
    };
    /** Writes each batch of rows as one source object and returns the source names. */
    const sources = async (...batches: readonly object[][]): Promise<string[]> => {
      const names: string[] = [];
      for (const rows of batches) {
        const source = `tmp/${unique('run')}/part-${names.length}.ndjson`;
        await fixture!.writeSource(source, ndjson(rows));
        names.push(source);
      }
      return names;
    };
    const load = async (request: Partial<LoadRequest> & Pick<LoadRequest, 'table' | 'sources'>) =>
      wh().load({ jobId: unique('job'), schema: WORDS, writeDisposition: 'WRITE_APPEND', ...request });
    const words = async (table: string) => wh().query(`SELECT word, n FROM ${table} ORDER BY word`);

    before(async () => {
      fixture = await make();
    });
    after(async () => {
      await fixture?.warehouse.close?.();
      await fixture?.cleanup();
    });

    void test('the first load creates the table from the schema and its rows can be queried', async () => {
      const table = unique('words');
      const src = await sources(
        [
          { word: 'b', n: 2 },
          { word: 'a', n: 1 },
        ],
        [{ word: 'c' }],
      );
      assert.deepEqual(await load({ table, sources: src }), { rows: 3, loaded: true });
      assert.deepEqual(await words(table), [
        { word: 'a', n: 1 },
        { word: 'b', n: 2 },
        { word: 'c', n: null },
      ]);
    });

    void test('WRITE_APPEND adds rows and WRITE_TRUNCATE replaces them', async () => {
      const table = unique('words');
      await load({ table, sources: await sources([{ word: 'a', n: 1 }]) });
      await load({ table, sources: await sources([{ word: 'b', n: 2 }]) });
      assert.deepEqual(await words(table), [
        { word: 'a', n: 1 },
        { word: 'b', n: 2 },
      ]);
      const result = await load({
        table,
        sources: await sources([{ word: 'z', n: 26 }]),
        writeDisposition: 'WRITE_TRUNCATE',
      });
      assert.deepEqual(result, { rows: 1, loaded: true });
      assert.deepEqual(await words(table), [{ word: 'z', n: 26 }]);
    });

    void test('loading the same jobId twice loads once, without reading the sources again', async () => {
      const table = unique('words');
      const jobId = unique('job');
      const src = await sources([
        { word: 'a', n: 1 },
        { word: 'b', n: 2 },
      ]);
      assert.deepEqual(await load({ jobId, table, sources: src }), { rows: 2, loaded: true });
      assert.deepEqual(await load({ jobId, table, sources: src }), { rows: 2, loaded: false });
      assert.deepEqual(await load({ jobId, table, sources: ['tmp/deleted-after-finalize.ndjson'] }), {
        rows: 2,
        loaded: false,
      });
      assert.equal((await words(table)).length, 2);
    });

    void test('WRITE_TRUNCATE of a partition replaces that day only', async () => {
      const table = unique('daily');
      const schema: TableSchema = {
        columns: [
          { name: 'day', type: 'DATE' },
          { name: 'word', type: 'STRING' },
        ],
        partitionBy: 'day',
      };
      const first = [
        { day: '2024-03-01', word: 'old1' },
        { day: '2024-03-01', word: 'old2' },
        { day: '2024-03-02', word: 'keep' },
      ];
      await load({ table, schema, sources: await sources(first) });
      const replaced = await load({
        table,
        schema,
        sources: await sources([{ day: '2024-03-01', word: 'new' }]),
        writeDisposition: 'WRITE_TRUNCATE',
        partition: '2024-03-01',
      });
      assert.deepEqual(replaced, { rows: 1, loaded: true });
      assert.deepEqual(await wh().query(`SELECT day, word FROM ${table} ORDER BY day, word`), [
        { day: '2024-03-01', word: 'new' },
        { day: '2024-03-02', word: 'keep' },
      ]);
    });

    void test('a load whose schema differs from the existing table fails with a ConfigError naming the column', async () => {
      const table = unique('words');
      await load({ table, sources: await sources([{ word: 'a', n: 1 }]) });
      const changed: TableSchema = {
        columns: [
          { name: 'word', type: 'STRING', mode: 'REQUIRED' },
          { name: 'n', type: 'STRING' },
        ],
      };
      await assert.rejects(
        load({ table, schema: changed, sources: await sources([{ word: 'b', n: 'x' }]) }),
        (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, /column "n"/);
          return true;
        },
      );
      assert.deepEqual(await words(table), [{ word: 'a', n: 1 }]);
    });

    void test('a row that does not fit the schema fails the whole load and leaves the table unchanged', async () => {
      const table = unique('words');
      await load({ table, sources: await sources([{ word: 'a', n: 1 }]) });
      const bad = await sources([{ word: 'b', n: 2 }], [{ word: 'c', n: 'three' }]);
      await assert.rejects(load({ table, sources: bad }), (err: Error) => {
        assert.ok(err.message.includes(table), `the message names the table: ${err.message}`);
        return true;
      });
      assert.deepEqual(await words(table), [{ word: 'a', n: 1 }]);
    });

    void test('a load of zero sources or of empty sources creates the table with no rows', async () => {
      const none = unique('words');
      assert.deepEqual(await load({ table: none, sources: [] }), { rows: 0, loaded: true });
      assert.deepEqual(await words(none), []);
      const empty = unique('words');
      assert.deepEqual(await load({ table: empty, sources: await sources([], []) }), {
        rows: 0,
        loaded: true,
      });
      assert.deepEqual(await words(empty), []);
    });

    void test('an empty WRITE_TRUNCATE redelivered after a newer load leaves that load alone (table and partition)', async () => {
      // A finalize message of an older run delivered late must not empty what a newer run loaded.
      const table = unique('words');
      const emptyTruncate = {
        jobId: unique('job'),
        table,
        sources: [],
        writeDisposition: 'WRITE_TRUNCATE',
      } as const;
      await load({ table, sources: await sources([{ word: 'old', n: 0 }]) });
      assert.deepEqual(await load(emptyTruncate), { rows: 0, loaded: true });
      assert.deepEqual(await words(table), []);
      await load({ table, sources: await sources([{ word: 'newer', n: 1 }]) });
      assert.deepEqual(await load(emptyTruncate), { rows: 0, loaded: false });
      assert.deepEqual(await words(table), [{ word: 'newer', n: 1 }]);

      const daily = unique('daily');
      const schema: TableSchema = {
        columns: [
          { name: 'day', type: 'DATE' },
          { name: 'word', type: 'STRING' },
        ],
        partitionBy: 'day',
      };
      const emptyDay = {
        ...emptyTruncate,
        jobId: unique('job'),
        table: daily,
        schema,
        partition: '2024-03-01',
      };
      await load({ table: daily, schema, sources: await sources([{ day: '2024-03-01', word: 'old' }]) });
      assert.deepEqual(await load(emptyDay), { rows: 0, loaded: true });
      await load({ table: daily, schema, sources: await sources([{ day: '2024-03-01', word: 'newer' }]) });
      assert.deepEqual(await load(emptyDay), { rows: 0, loaded: false });
      assert.deepEqual(await wh().query(`SELECT day, word FROM ${daily}`), [
        { day: '2024-03-01', word: 'newer' },
      ]);
    });

    void test('every column type round-trips: INT64, FLOAT64, BOOL, STRING, TIMESTAMP, DATE, REPEATED STRING', async () => {
      const table = unique('types');
      const schema: TableSchema = {
        columns: [
          { name: 'id', type: 'INT64', mode: 'REQUIRED' },
          { name: 'big', type: 'INT64' },
          { name: 'f', type: 'FLOAT64' },
          { name: 'b', type: 'BOOL' },
          { name: 's', type: 'STRING' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'd', type: 'DATE' },
          { name: 'tags', type: 'STRING', mode: 'REPEATED' },
        ],
      };
      const rows = [
        {
          id: 1,
          big: '9007199254740993',
          f: 1.25,
          b: true,
          s: 'héllo 🌍',
          ts: '2024-05-01T12:34:56.789Z',
          d: '2024-02-29',
          tags: ['x', 'y'],
        },
        {
          id: 2,
          big: -5,
          f: -0.5,
          b: false,
          s: '',
          ts: '2024-05-01T14:00:00+02:00',
          d: '1999-12-31',
          tags: [],
        },
        { id: 3 },
      ];
      await wh().load({
        jobId: unique('job'),
        table,
        schema,
        sources: await sources(rows),
        writeDisposition: 'WRITE_APPEND',
      });
      const got = await wh().query(`SELECT id, big, f, b, s, ts, d, tags FROM ${table} ORDER BY id`);
      assert.deepEqual(got, [
        rows[0],
        { ...rows[1], ts: '2024-05-01T12:00:00.000Z' },
        { id: 3, big: null, f: null, b: null, s: null, ts: null, d: null, tags: [] },
      ]);
    });
  });
}
