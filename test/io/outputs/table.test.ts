import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { loadJobId, tableOutput, tableWriter } from '../../../src/io/outputs/table.ts';
import { schema } from '../../../src/io/schema.ts';
import type { LoadRequest, Warehouse } from '../../../src/ports/warehouse.ts';
import { finalizeContext, readText, taskOutputContext, withTempDir } from '../helpers.ts';

const events = schema(
  {
    name: { type: 'STRING', mode: 'REQUIRED' },
    n: 'INT64',
    score: 'FLOAT64',
    ok: 'BOOL',
    at: 'TIMESTAMP',
    day: 'DATE',
    tags: { type: 'STRING', mode: 'REPEATED' },
    extra: 'JSON',
  },
  { partitionBy: 'day' },
);

function recordingWarehouse(): Warehouse & { loads: LoadRequest[] } {
  const loads: LoadRequest[] = [];
  return {
    loads,
    load: async (request) => {
      loads.push(request);
      return { rows: 0, loaded: true };
    },
    query: async () => [],
  };
}

function writeOne(record: unknown): unknown {
  return withTempDir(async (dir) => {
    const writer = tableWriter.open(
      tableOutput('events', events, { mode: 'append' }),
      taskOutputContext({ blobs: new FileBlobStore(dir) }),
    );
    await writer.write(record);
    await writer.close();
  });
}

describe('table output', () => {
  test('validate names every problem of the table and schema', () => {
    assert.throws(
      () =>
        tableWriter.validate!({
          type: 'table',
          table: 'my-table',
          schema: {
            columns: [
              { name: 'a b', type: 'STRING' },
              { name: 'n', type: 'INTEGER' as never },
              { name: 'N', type: 'INT64' },
            ],
          },
          mode: 'append',
        }),
      {
        name: 'ConfigError',
        message:
          'Table output "my-table": the table name "my-table" is not valid: use letters, digits and underscores, starting with a letter or underscore (at most 1024); ' +
          'the column name "a b" is not valid: use letters, digits and underscores, starting with a letter or underscore (at most 300); ' +
          'column "n" has type "INTEGER"; allowed types: STRING, INT64, FLOAT64, BOOL, TIMESTAMP, DATE, JSON; ' +
          'the column "N" appears twice (column names are case-insensitive).',
      },
    );
    assert.throws(() => tableOutput('t', schema({ a: 'STRING' }), { mode: 'replace' as never }), {
      message:
        "Table output \"t\": mode must be 'append' or 'truncate'; got \"replace\". Truncate replaces the table's rows on every run; append adds to them.",
    });
    assert.throws(
      () => tableOutput('t', schema({ a: 'STRING' }), { mode: 'truncate', partition: () => '2026-01-01' }),
      {
        message:
          'Table output "t": partition is set but the schema has no partitionBy column; add partitionBy: \'<a DATE or TIMESTAMP column>\' to the schema.',
      },
    );
  });

  test('converts records to rows: Dates to ISO strings, days, digit strings kept', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const writer = tableWriter.open(
        tableOutput('events', events, { mode: 'append' }),
        taskOutputContext({ blobs }),
      );
      await writer.write({
        name: 'a',
        n: '123456789012345678',
        score: 1.5,
        ok: true,
        at: new Date(Date.UTC(2026, 10, 21, 10)),
        day: new Date(Date.UTC(2026, 10, 21, 23, 59)),
        tags: ['x', 'y'],
        extra: { any: [1, 'thing'] },
      });
      await writer.write({
        name: 'b',
        at: '2026-11-21 12:00:00',
        day: '2026-02-28',
        n: null,
        tags: undefined,
      });
      await writer.write({ name: 'c', at: '2026-11-21T12:00:00+02:00' });
      const { parts } = await writer.close();
      assert.deepEqual(
        (await readText(blobs, parts[0]!.name))
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
        [
          {
            name: 'a',
            n: '123456789012345678',
            score: 1.5,
            ok: true,
            at: '2026-11-21T10:00:00.000Z',
            day: '2026-11-21',
            tags: ['x', 'y'],
            extra: { any: [1, 'thing'] },
          },
          { name: 'b', at: '2026-11-21T12:00:00.000Z', day: '2026-02-28' },
          { name: 'c', at: '2026-11-21T10:00:00.000Z' },
        ],
      );
    });
  });

  const where = 'Output "words" (table events)';
  const refusals: [string, unknown, string][] = [
    [
      'an unknown field',
      { name: 'a', nme: 'b' },
      `${where}: the record has a field "nme" that the table has no column for (columns: name, n, score, ok, at, day, tags, extra). Add the column to the schema or leave the field out.`,
    ],
    [
      'a missing REQUIRED column',
      { n: 1 },
      `${where}: column "name" is REQUIRED but the record has no value for it (undefined). Set it, or make the column NULLABLE.`,
    ],
    [
      'a fraction in an INT64 column',
      { name: 'a', n: 12.5 },
      `${where}: column "n" is INT64 and needs a whole number, but the record has 12.5 (a number); write a safe integer, or a string of digits for values beyond 2^53 (or make the column FLOAT64).`,
    ],
    [
      'a number in a STRING column',
      { name: 7 },
      `${where}: column "name" is STRING and needs a string, but the record has 7 (a number); convert it with String(value).`,
    ],
    [
      'NaN in a FLOAT64 column',
      { name: 'a', score: NaN },
      `${where}: column "score" is FLOAT64 and needs a finite number, but the record has NaN (a number); write a number (NaN and Infinity cannot be stored).`,
    ],
    [
      'a string in a BOOL column',
      { name: 'a', ok: 'yes' },
      `${where}: column "ok" is BOOL and needs true or false, but the record has "yes" (a string); write a boolean.`,
    ],
    [
      'a non-ISO timestamp',
      { name: 'a', at: '21/11/2026' },
      `${where}: column "at" is TIMESTAMP and needs a timestamp, but the record has "21/11/2026" (a string); write a Date or an ISO 8601 string such as "2026-11-21T10:00:00Z".`,
    ],
    [
      'an impossible date',
      { name: 'a', day: '2026-02-30' },
      `${where}: column "day" is DATE and needs a date, but the record has "2026-02-30" (a string); write a "YYYY-MM-DD" string or a Date (its UTC day is stored).`,
    ],
    [
      'a scalar in a REPEATED column',
      { name: 'a', tags: 'x' },
      `${where}: column "tags" is REPEATED STRING and needs an array, but the record has "x" (a string); wrap the value in [ ].`,
    ],
    [
      'a wrong element in a REPEATED column',
      { name: 'a', tags: ['x', 3] },
      `${where}: column "tags" is STRING and needs a string, but element 1 is 3 (a number); convert it with String(value).`,
    ],
    [
      'a record that is not an object',
      ['a'],
      `${where}: records must be objects with the columns name, n, score, ok, at, day, tags, extra; got ["a"] (an array). Emit an object such as { name: ... }.`,
    ],
  ];
  for (const [what, record, message] of refusals) {
    test(`refuses ${what} with the output, column, value and fix`, async () => {
      await assert.rejects(
        Promise.resolve().then(() => writeOne(record)),
        { name: 'NonRetryableError', message },
      );
    });
  }

  test('finalize loads all committed parts once, under a deterministic job id', async () => {
    const warehouse = recordingWarehouse();
    const spec = tableOutput('events', events, { mode: 'truncate', partition: (p) => String(p.day) });
    const parts = [
      { name: 'tmp/a.ndjson', records: 2 },
      { name: 'tmp/b.ndjson', records: 3 },
    ];
    const ctx = finalizeContext({
      warehouse,
      parts,
      runId: 'daily@2026-11-21T00:00Z',
      params: { day: '2026-11-21' },
    });
    assert.deepEqual(await tableWriter.finalize(spec, ctx), { target: 'events', rows: 5 });
    assert.deepEqual(warehouse.loads, [
      {
        jobId: 'daily_2026-11-21T00_00Z-main-words',
        table: 'events',
        schema: events,
        sources: ['tmp/a.ndjson', 'tmp/b.ndjson'],
        writeDisposition: 'WRITE_TRUNCATE',
        partition: '2026-11-21',
      },
    ]);
    assert.equal(loadJobId(ctx), 'daily_2026-11-21T00_00Z-main-words');
  });

  test('an empty output still reaches the warehouse: append leaves a table to query, truncate empties it', async () => {
    const warehouse = recordingWarehouse();
    const s = schema({ a: 'STRING' });
    await tableWriter.finalize(
      tableOutput('t', s, { mode: 'append' }),
      finalizeContext({ warehouse, parts: [] }),
    );
    await tableWriter.finalize(
      tableOutput('t', s, { mode: 'truncate' }),
      finalizeContext({ warehouse, parts: [] }),
    );
    assert.deepEqual(
      warehouse.loads.map((l) => [l.sources, l.writeDisposition]),
      [
        [[], 'WRITE_APPEND'],
        [[], 'WRITE_TRUNCATE'],
      ],
    );
  });

  test('a partition function that returns no day fails finalize with the fix', async () => {
    const spec = tableOutput('events', events, { mode: 'truncate', partition: () => 'today' });
    await assert.rejects(
      tableWriter.finalize(spec, finalizeContext({ warehouse: recordingWarehouse(), parts: [] })),
      {
        name: 'ConfigError',
        message: `Output "words" (table events): partition(params) returned "today"; it must return a day like '2026-11-21'.`,
      },
    );
  });
});
