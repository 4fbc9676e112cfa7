import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ndjsonInput, ndjsonReader } from '../../../src/io/inputs/ndjson.ts';
import { InputError } from '../../../src/core/errors.ts';
import { gzip, MemoryInputFiles, readSplits, splitContext } from '../helpers.ts';

describe('ndjson input', () => {
  test('every value is read exactly once, in order, whatever the number of splits; blank lines are skipped', async () => {
    const line = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ value: v, text: JSON.stringify(v) })),
      },
      { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t').map((text) => ({ value: undefined, text })) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 20 }),
        async (lines, crlf, finalNewline, shards) => {
          const nl = crlf ? '\r\n' : '\n';
          const content = lines.map((l) => l.text).join(nl) + (finalNewline ? nl : '');
          const files = new MemoryInputFiles({ 't.ndjson': content }, 5);
          const splits = await readSplits(
            ndjsonReader,
            ndjsonInput('t.ndjson', { minSplitBytes: 1 }),
            shards,
            splitContext({ files }),
          );
          assert.ok(splits.length <= shards);
          const got = splits.flat();
          assert.ok(got.every((r) => r.bad === undefined));
          // JSON round trip: -0 becomes 0, as it does on disk.
          const want = lines.filter((l) => l.text.trim() !== '').map((l) => JSON.parse(l.text) as unknown);
          assert.deepEqual(
            got.map((r) => r.value),
            want,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a corrupt line deep in a later split reports its real line number', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(i % 17) }));
    lines[356] = '{"n": 356, oops}';
    const files = new MemoryInputFiles({ 'data/t.ndjson': lines.join('\n') + '\n' }, 64);
    const splits = await readSplits(
      ndjsonReader,
      ndjsonInput('data/t.ndjson', { minSplitBytes: 1 }),
      7,
      splitContext({ files }),
    );
    assert.equal(splits.length, 7);
    const index = splits.findIndex((s) => s.some((r) => r.bad));
    assert.ok(index >= 5, `bad line found in split ${index}`);
    const bad = splits[index]!.find((r) => r.bad)!;
    assert.ok(bad.bad!.error instanceof InputError);
    assert.equal(bad.bad!.error.line, 357);
    assert.equal(bad.bad!.error.file, 'data/t.ndjson');
    assert.match(
      bad.bad!.error.message,
      /^data\/t\.ndjson:357: not valid JSON \(.+\)\. Fix the line or set badRecords: 'skip' on the stage to skip and count bad records\.$/,
    );
    assert.equal(bad.bad!.raw, '{"n": 356, oops}');
    assert.equal(await bad.position(), 'data/t.ndjson:357');
    // The reader keeps going after a bad record.
    assert.equal(splits.flat().filter((r) => !r.bad).length, 399);
    // Good records know their line too, counted on demand.
    const after = splits[index]!.find((r) => (r.value as { n?: number } | undefined)?.n === 360)!;
    assert.equal(await after.position(), 'data/t.ndjson:361');
  });

  test('reads .gz files whole', async () => {
    const files = new MemoryInputFiles({ 'a.ndjson.gz': gzip('{"a":1}\n\n{"a":2}\n') });
    const splits = await readSplits(
      ndjsonReader,
      ndjsonInput('a.ndjson.gz', { minSplitBytes: 1 }),
      5,
      splitContext({ files }),
    );
    assert.deepEqual(
      splits.map((s) => s.map((r) => r.value)),
      [[{ a: 1 }, { a: 2 }]],
    );
    assert.equal(await splits[0]![1]!.position(), 'a.ndjson.gz:3');
  });
});
