import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDbWarehouse } from '../../../src/adapters/local/duckdb-warehouse.ts';
import type { LoadRequest, TableSchema } from '../../../src/ports/warehouse.ts';
import { warehouseContract } from '../../contracts/warehouse.ts';

const run = promisify(execFile);
const moduleUrl = new URL('../../../src/adapters/local/duckdb-warehouse.ts', import.meta.url).href;

interface Local {
  dir: string;
  path: string;
  warehouse: DuckDbWarehouse;
  write(name: string, rows: readonly object[] | string): Promise<string>;
}

async function local(): Promise<Local & { cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-duckdb-'));
  const blobs = join(dir, 'blobs');
  const path = join(dir, 'db', 'warehouse.duckdb');
  const warehouse = new DuckDbWarehouse({
    path,
    resolveSource: (name) => join(blobs, name),
    lockTimeoutMillis: 20_000,
  });
  const write = async (name: string, rows: readonly object[] | string): Promise<string> => {
    await mkdir(dirname(join(blobs, name)), { recursive: true });
    const text = typeof rows === 'string' ? rows : rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    await writeFile(join(blobs, name), text);
    return name;
  };
  return { dir, path, warehouse, write, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function withLocal(body: (l: Local) => Promise<void>): Promise<void> {
  const l = await local();
  try {
    await body(l);
  } finally {
    await l.warehouse.close();
    await l.cleanup();
  }
}

warehouseContract('DuckDbWarehouse', async () => {
  const l = await local();
  return {
    warehouse: l.warehouse,
    writeSource: async (name, text) => void (await l.write(name, text)),
    cleanup: l.cleanup,
  };
});

const EVENTS: TableSchema = {
  columns: [
    { name: 'ts', type: 'TIMESTAMP', mode: 'REQUIRED' },
    { name: 'what', type: 'STRING' },
    { name: 'meta', type: 'JSON' },
  ],
  partitionBy: 'ts',
};

const request = (table: string, sources: string[], extra: Partial<LoadRequest> = {}): LoadRequest => ({
  jobId: `job-${table}-${sources.join(',')}-${extra.writeDisposition ?? ''}-${extra.partition ?? ''}`,
  table,
  schema: EVENTS,
  sources,
  writeDisposition: 'WRITE_APPEND',
  ...extra,
});

void describe('DuckDbWarehouse', () => {
  void test('another process can query the file between loads, and loads continue after it', async () => {
    await withLocal(async ({ path, warehouse, write }) => {
      await warehouse.load(
        request('events', [await write('a.ndjson', [{ ts: '2024-01-01T10:00:00Z', what: 'a' }])]),
      );
      const script =
        `const { DuckDbWarehouse } = await import(${JSON.stringify(moduleUrl)});` +
        `const w = new DuckDbWarehouse({ path: ${JSON.stringify(path)}, resolveSource: (n) => n });` +
        `process.stdout.write(JSON.stringify(await w.query('SELECT what FROM events ORDER BY what')));`;
      const child = await run(process.execPath, ['--input-type=module', '-e', script]);
      assert.deepEqual(JSON.parse(child.stdout), [{ what: 'a' }]);
      await warehouse.load(
        request('events', [await write('b.ndjson', [{ ts: '2024-01-01T11:00:00Z', what: 'b' }])]),
      );
      assert.equal((await warehouse.query('SELECT count(*) AS n FROM events'))[0]?.n, 2);
    });
  });

  void test('two warehouses on one file in one process take turns instead of both writing', async () => {
    await withLocal(async ({ path, warehouse, write, dir }) => {
      const other = new DuckDbWarehouse({ path, resolveSource: (name) => join(dir, 'blobs', name) });
      const loads = [];
      for (let i = 0; i < 6; i++) {
        const source = await write(`p${i}.ndjson`, [{ ts: `2024-01-0${i + 1}T00:00:00Z`, what: `w${i}` }]);
        loads.push((i % 2 ? other : warehouse).load(request('events', [source])));
      }
      await Promise.all([...loads, other.query('SELECT 1 AS one'), warehouse.query('SELECT 1 AS one')]);
      assert.equal((await other.query('SELECT count(*) AS n FROM events'))[0]?.n, 6);
      assert.ok(!existsSync(`${path}.lock`), 'the lock file is removed after the last operation');
    });
  });

  void test('a partition load on a TIMESTAMP column replaces that UTC day and rejects rows of other days', async () => {
    await withLocal(async ({ warehouse, write }) => {
      const day1 = [
        { ts: '2024-01-01T23:30:00-02:00', what: 'next day in UTC' },
        { ts: '2024-01-01T00:00:00Z', what: 'old' },
      ];
      await warehouse.load(request('events', [await write('d1.ndjson', day1)]));
      const truncate = { writeDisposition: 'WRITE_TRUNCATE', partition: '2024-01-01' } as const;
      await warehouse.load(
        request(
          'events',
          [await write('d2.ndjson', [{ ts: '2024-01-01T05:00:00Z', what: 'new' }])],
          truncate,
        ),
      );
      assert.deepEqual(await warehouse.query('SELECT ts, what FROM events ORDER BY ts'), [
        { ts: '2024-01-01T05:00:00.000Z', what: 'new' },
        { ts: '2024-01-02T01:30:00.000Z', what: 'next day in UTC' },
      ]);
      const stray = await write('d3.ndjson', [{ ts: '2024-01-05T00:00:00Z', what: 'stray' }]);
      await assert.rejects(
        warehouse.load(request('events', [stray], truncate)),
        /Cannot load table "events": 1 of 1 rows have ts outside partition 2024-01-01/,
      );
      assert.equal((await warehouse.query('SELECT count(*) AS n FROM events'))[0]?.n, 2);
    });
  });

  void test('bad rows fail with the source, line, column and what the column takes', async () => {
    await withLocal(async ({ warehouse, write }) => {
      const cases: [string, RegExp][] = [
        [
          '{"ts":"2024-01-01T00:00:00Z","extra":1}',
          /line 1: field "extra" is not a column of the table \(columns: ts, what, meta\)/,
        ],
        ['{"what":"x"}', /line 1: column "ts" \(REQUIRED TIMESTAMP\) is REQUIRED but the row has no value/],
        [
          '\n{"ts":"yesterday"}',
          /line 2: column "ts" \(REQUIRED TIMESTAMP\) got "yesterday"; expected a timestamp string/,
        ],
        ['{"ts":"2024-01-01T00:00:00Z","what":5}', /column "what" \(STRING\) got 5; expected a string/],
        ['[1]', /line 1: the line is not a JSON object/],
        ['{"ts":', /line 1: the line is not valid JSON/],
      ];
      for (const [i, [text, message]] of cases.entries()) {
        const source = await write(`bad${i}.ndjson`, `${text}\n`);
        await assert.rejects(warehouse.load(request('events', [source])), (err: Error) => {
          assert.equal(err.name, 'NonRetryableError');
          assert.match(err.message, new RegExp(`Cannot load table "events": source "bad${i}.ndjson" `));
          assert.match(err.message, message);
          return true;
        });
      }
      const ints: TableSchema = { columns: [{ name: 'n', type: 'INT64' }] };
      const fraction = await write('f.ndjson', [{ n: 1.5 }]);
      await assert.rejects(
        warehouse.load({ ...request('ints', [fraction]), schema: ints }),
        /column "n" \(INT64\) got 1.5; expected an integer/,
      );
      await assert.rejects(
        warehouse.load(request('events', ['missing.ndjson'])),
        /source "missing.ndjson" not found/,
      );
    });
  });

  void test('JSON columns, dataset-qualified tables and aggregates come back as plain values', async () => {
    await withLocal(async ({ warehouse, write }) => {
      const rows = [
        { ts: '2024-01-01T00:00:00.123456Z', meta: { k: [1, 'two'] } },
        { ts: '2024-01-01T00:00:01Z' },
      ];
      await warehouse.load(request('analytics.events', [await write('j.ndjson', rows)]));
      assert.deepEqual(await warehouse.query('SELECT ts, meta FROM analytics.events ORDER BY ts'), [
        { ts: '2024-01-01T00:00:00.123456Z', meta: '{"k":[1,"two"]}' },
        { ts: '2024-01-01T00:00:01.000Z', meta: null },
      ]);
      assert.deepEqual(await warehouse.query('SELECT sum(1) AS s, avg(2) AS a, 2::DECIMAL(4,1) AS d'), [
        { s: 1, a: 2, d: 2 },
      ]);
      assert.deepEqual(
        await warehouse.query(
          "SELECT job_id, rows FROM _cloudreduce_loads WHERE table_name = 'analytics.events'",
        ),
        [{ job_id: request('analytics.events', ['j.ndjson']).jobId, rows: 2 }],
      );
    });
  });

  void test('queries open the file read-only and never create it', async () => {
    await withLocal(async ({ path, warehouse, write }) => {
      await assert.rejects(
        warehouse.query('SELECT * FROM events'),
        /Query on .* failed: there is no table events: the warehouse has no tables yet/,
      );
      assert.ok(!existsSync(path), 'a query must not create the database file');
      await warehouse.load(request('events', [await write('a.ndjson', [])]));
      await assert.rejects(warehouse.query('CREATE TABLE t (x INT)'), /read-only/i);
    });
  });

  void test('bad requests fail with a ConfigError before touching the file', async () => {
    await withLocal(async ({ path, warehouse }) => {
      const noPartition: TableSchema = { columns: [{ name: 'a', type: 'STRING' }] };
      const cases: [LoadRequest, RegExp][] = [
        [{ ...request('bad name!', []) }, /Table name "bad name!" is not allowed/],
        [
          { ...request('t', []), schema: noPartition, partition: '2024-01-01' },
          /the schema has no partitionBy/,
        ],
        [{ ...request('t', []), partition: '2024-1-1' }, /partition "2024-1-1" must be a day, YYYY-MM-DD/],
        [
          { ...request('t', []), schema: { columns: [{ name: 'a b', type: 'STRING' }] } },
          /column name "a b" is not allowed/,
        ],
        [
          { ...request('t', []), schema: { ...EVENTS, partitionBy: 'what' } },
          /partitionBy "what" must name a DATE or TIMESTAMP/,
        ],
      ];
      for (const [req, message] of cases) {
        await assert.rejects(
          warehouse.load(req),
          (err: Error) => err.name === 'ConfigError' && message.test(err.message),
        );
      }
      assert.ok(!existsSync(path));
    });
  });

  void test('a query on a missing table lists the tables there are, not DuckDB system views', async () => {
    await withLocal(async ({ path, warehouse, write }) => {
      const failed = `Query on ${path} failed: `;
      await assert.rejects(warehouse.query('SELECT * FROM nosuch'), {
        name: 'ConfigError',
        message: `${failed}there is no table nosuch: the warehouse has no tables yet (run a job with a table output first, e.g. npm start).`,
      });
      const source = await write('e.ndjson', [{ ts: '2024-01-01T10:00:00Z', what: 'a' }]);
      await warehouse.load(request('events', [source]));
      await warehouse.load(request('ds.word_counts', [source]));
      await assert.rejects(warehouse.query('SELECT * FROM nosuch'), {
        message: `${failed}there is no table nosuch. Tables: events, ds.word_counts.`,
      });
      await assert.rejects(warehouse.query('SELECT * FROM event'), {
        message: `${failed}there is no table event; did you mean events? Tables: events, ds.word_counts.`,
      });
      await assert.rejects(warehouse.query('SELECT * FROM other.events'), {
        message: `${failed}there is no table other.events. Tables: events, ds.word_counts.`,
      });
      // Other errors keep DuckDB's own message.
      await assert.rejects(
        warehouse.query('SELECT nosuch FROM events'),
        /Referenced column "nosuch" not found/,
      );
    });
  });

  void test('a closed warehouse rejects further operations', async () => {
    await withLocal(async ({ warehouse }) => {
      await warehouse.close();
      await assert.rejects(warehouse.query('SELECT 1'), /is closed; open a new DuckDbWarehouse/);
    });
  });
});
