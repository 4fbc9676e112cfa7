import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { input, output, schema } from '../../src/io/index.ts';

describe('io factories', () => {
  test('input factories build plain JSON specs', () => {
    assert.deepEqual(input.text('data/*.txt'), { type: 'text', paths: ['data/*.txt'] });
    assert.deepEqual(input.text(), { type: 'text' });
    assert.deepEqual(input.ndjson(['a', 'b']), { type: 'ndjson', paths: ['a', 'b'] });
    assert.deepEqual(input.csv('x.csv', { delimiter: ';' }), {
      type: 'csv',
      paths: ['x.csv'],
      delimiter: ';',
    });
    assert.deepEqual(input.integers(5), { type: 'generated', kind: 'integers', count: 5 });
    assert.deepEqual(input.randomStrings(5, { seed: 3 }), {
      type: 'generated',
      kind: 'strings',
      count: 5,
      seed: 3,
    });
    assert.deepEqual(input.entities('Tweet', { namespace: 'x' }), {
      type: 'entities',
      kind: 'Tweet',
      namespace: 'x',
    });
  });

  test('schema turns the short form into a TableSchema, with the long form where needed', () => {
    assert.deepEqual(
      schema(
        {
          word: 'STRING',
          count: { type: 'INT64', mode: 'REQUIRED', description: 'occurrences' },
          day: 'DATE',
        },
        { partitionBy: 'day' },
      ),
      {
        columns: [
          { name: 'word', type: 'STRING' },
          { name: 'count', type: 'INT64', mode: 'REQUIRED', description: 'occurrences' },
          { name: 'day', type: 'DATE' },
        ],
        partitionBy: 'day',
      },
    );
    assert.throws(() => schema({ word: 'TEXT' as never }), {
      name: 'ConfigError',
      message:
        'Table schema: column "word" has type "TEXT"; allowed types: STRING, INT64, FLOAT64, BOOL, TIMESTAMP, DATE, JSON.',
    });
    assert.throws(
      () => schema({ n: 'INT64' }, { partitionBy: 'n' }),
      /partitionBy must name a DATE or TIMESTAMP column/,
    );
  });

  test('output factories build specs and check them early', () => {
    assert.deepEqual(output.table('wc', { word: 'STRING', count: 'INT64' }, { mode: 'truncate' }), {
      type: 'table',
      table: 'wc',
      schema: {
        columns: [
          { name: 'word', type: 'STRING' },
          { name: 'count', type: 'INT64' },
        ],
      },
      mode: 'truncate',
    });
    const s = schema({ a: 'STRING' });
    assert.equal(output.table('t', s, { mode: 'append' }).schema, s);
    assert.throws(
      () => output.table('bad name', s, { mode: 'append' }),
      /the table name "bad name" is not valid/,
    );
    assert.deepEqual(output.ndjson(), { type: 'ndjson' });
    assert.deepEqual(output.entities({ kind: 'Word' }), { type: 'entities', kind: 'Word' });
  });
});
