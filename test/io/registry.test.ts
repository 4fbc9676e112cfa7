import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getInputReader,
  getOutputWriter,
  knownTypes,
  registerInputReader,
  registerOutputWriter,
} from '../../src/io/registry.ts';
import type { InputReader, OutputWriter } from '../../src/io/types.ts';

describe('io registry', () => {
  test('knows every built-in input and output', () => {
    assert.deepEqual(knownTypes().inputs.slice(0, 7), [
      'text',
      'text-blocks',
      'ndjson',
      'csv',
      'generated',
      'entities',
      'stage',
    ]);
    assert.deepEqual(knownTypes().outputs.slice(0, 4), ['table', 'ndjson', 'entities', 'parts']);
    assert.equal(getInputReader('csv').type, 'csv');
    assert.equal(getOutputWriter('table').type, 'table');
  });

  test('an unknown type lists the known ones and how to add one', () => {
    assert.throws(() => getInputReader('parquet'), {
      name: 'ConfigError',
      message:
        /^Unknown input type "parquet"; known input types: text, text-blocks, ndjson, csv, generated, entities, stage.*\. Use a factory such as input\.text\(\), or register a custom reader with registerInputReader\(\)\.$/,
    });
    assert.throws(() => getOutputWriter('gcs'), {
      name: 'ConfigError',
      message:
        /^Unknown output type "gcs"; known output types: table, ndjson, entities, parts.*registerOutputWriter\(\)\.$/,
    });
  });

  test('registers user readers and writers, once per type', () => {
    const reader: InputReader<{ type: 'test-lines' }, string> = {
      type: 'test-lines',
      split: async () => [{ descriptor: {}, description: 'all' }],
      async *read() {
        yield { value: 'x', position: () => 'test' };
      },
    };
    registerInputReader(reader);
    registerInputReader(reader); // a module imported twice registers twice
    assert.equal(getInputReader('test-lines'), reader);
    assert.throws(() => registerInputReader({ ...reader }), {
      name: 'ConfigError',
      message:
        /^An input reader for type "test-lines" is registered already; pick another type name for yours/,
    });
    const writer: OutputWriter<{ type: 'test-sink' }> = {
      type: 'test-sink',
      open: () => ({ write: () => {}, close: async () => ({ parts: [] }), abort: async () => {} }),
      finalize: async () => ({ target: 'nowhere', rows: 0 }),
    };
    registerOutputWriter(writer);
    assert.equal(getOutputWriter('test-sink'), writer);
    assert.throws(
      () =>
        registerOutputWriter<{ type: 'table' }>({
          type: 'table',
          open: () => ({ write: () => {}, close: async () => ({ parts: [] }), abort: async () => {} }),
          finalize: async () => ({ target: 'nowhere', rows: 0 }),
        }),
      /An output writer for type "table" is registered already/,
    );
  });
});
