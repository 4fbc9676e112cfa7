import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { csvInput, csvReader } from '../../../src/io/inputs/csv.ts';
import { parseCsvLine } from '../../../src/io/inputs/csv-line.ts';
import { gzip, MemoryInputFiles, readSplits, splitContext } from '../helpers.ts';

function quote(field: string): string {
  return /[",;]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

describe('parseCsvLine', () => {
  const cases: [string, string, string[]][] = [
    ['plain fields', 'a,b,c', ['a', 'b', 'c']],
    ['empty fields and a trailing delimiter', ',a,,', ['', 'a', '', '']],
    ['quoted delimiter', '"a,b",c', ['a,b', 'c']],
    ['doubled quotes inside quotes', '"say ""hi""",x', ['say "hi"', 'x']],
    ['an empty quoted field', '"",x', ['', 'x']],
    ['spaces kept as they are', ' a , b ', [' a ', ' b ']],
    ['a quote inside an unquoted field kept literally', 'a"b,c', ['a"b', 'c']],
    ['multi-byte text', 'é,€,😀', ['é', '€', '😀']],
  ];
  for (const [name, line, fields] of cases) {
    test(`parses ${name}`, () => assert.deepEqual(parseCsvLine(line, ','), { fields }));
  }

  test('refuses an unterminated quote and says why records cannot span lines', () => {
    assert.deepEqual(parseCsvLine('a,"b', ','), {
      error:
        'field 2 opens a quote that is not closed on this line. Quoted fields cannot contain line breaks here (files are split by byte ranges, so every record must be on one line)',
    });
  });

  test('refuses text after a closing quote', () => {
    assert.deepEqual(parseCsvLine('"a"b,c', ','), {
      error:
        'unexpected "b" after the closing quote of field 1; a quoted field must be followed by "," or the end of the line (write "" for a quote inside quotes)',
    });
  });

  test('uses another delimiter', () =>
    assert.deepEqual(parseCsvLine('a;"b;c";d', ';'), { fields: ['a', 'b;c', 'd'] }));
});

describe('csv input', () => {
  test('every row is read exactly once, in order, whatever the number of splits, each split using the file header', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', 'é', '€'), maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, field, field), { maxLength: 25 }),
        fc.constantFrom(',', ';'),
        fc.boolean(),
        fc.integer({ min: 1, max: 20 }),
        async (rows, delimiter, crlf, shards) => {
          const nl = crlf ? '\r\n' : '\n';
          // A row of three empty fields is two delimiters, never a blank line.
          const lines = [
            'id,name,note'.replaceAll(',', delimiter),
            ...rows.map((r) => r.map(quote).join(delimiter)),
          ];
          const files = new MemoryInputFiles({ 'p.csv': lines.join(nl) + nl }, 3);
          const spec = csvInput('p.csv', { delimiter, minSplitBytes: 1 });
          const splits = await readSplits(csvReader, spec, shards, splitContext({ files }));
          assert.ok(splits.length <= shards);
          const got = splits.flat();
          assert.deepEqual(
            got.filter((r) => r.bad).map((r) => r.bad!.error.message),
            [],
          );
          assert.deepEqual(
            got.map((r) => r.value),
            rows.map(([id, name, note]) => ({ id, name, note })),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a row with the wrong number of fields is a bad record with file:line', async () => {
    const content = 'a,b\n1,2\n\n3,4,5\n"6,7\n8,9\n';
    const files = new MemoryInputFiles({ 'data/x.csv': content });
    const [split] = await readSplits(csvReader, csvInput('data/x.csv'), 1, splitContext({ files }));
    assert.deepEqual(
      split!.map((r) => (r.bad ? r.bad.error.message : r.value)),
      [
        { a: '1', b: '2' },
        'data/x.csv:4: expected 2 fields (a, b) but found 3; quote fields that contain ",". Fix the line or set badRecords: \'skip\' on the stage to skip and count bad records.',
        "data/x.csv:5: field 1 opens a quote that is not closed on this line. Quoted fields cannot contain line breaks here (files are split by byte ranges, so every record must be on one line). Fix the line or set badRecords: 'skip' on the stage to skip and count bad records.",
        { a: '8', b: '9' },
      ],
    );
    assert.equal(split![1]!.bad!.raw, '3,4,5');
    assert.equal(await split![2]!.position(), 'data/x.csv:5');
  });

  test('a split starting mid-file reads the header from the first line', async () => {
    const content = 'word,count\n' + Array.from({ length: 50 }, (_, i) => `w${i},${i}`).join('\n');
    const files = new MemoryInputFiles({ 'w.csv': content });
    const splits = await readSplits(
      csvReader,
      csvInput('w.csv', { minSplitBytes: 1 }),
      5,
      splitContext({ files }),
    );
    assert.equal(splits.length, 5);
    assert.deepEqual(splits[4]!.at(-1)!.value, { word: 'w49', count: '49' });
    assert.equal(splits.flat().length, 50);
  });

  test('reads .gz files whole, header included', async () => {
    const files = new MemoryInputFiles({ 'z.csv.gz': gzip('k,v\r\n1,"a,b"\r\n2,c\r\n') });
    const splits = await readSplits(
      csvReader,
      csvInput('z.csv.gz', { minSplitBytes: 1 }),
      4,
      splitContext({ files }),
    );
    assert.deepEqual(
      splits.map((s) => s.map((r) => r.value)),
      [
        [
          { k: '1', v: 'a,b' },
          { k: '2', v: 'c' },
        ],
      ],
    );
  });

  test('header: false names columns col1, col2… and takes rows of any width', async () => {
    const files = new MemoryInputFiles({ 'n.csv': 'a,b\nc\n' });
    const [split] = await readSplits(
      csvReader,
      csvInput('n.csv', { header: false }),
      1,
      splitContext({ files }),
    );
    assert.deepEqual(
      split!.map((r) => r.value),
      [{ col1: 'a', col2: 'b' }, { col1: 'c' }],
    );
  });

  test('a header list names the columns and every line is data', async () => {
    const files = new MemoryInputFiles({ 'n.csv': 'a,b\nc,d\n' });
    const [split] = await readSplits(
      csvReader,
      csvInput('n.csv', { header: ['x', 'y'] }),
      1,
      splitContext({ files }),
    );
    assert.deepEqual(
      split!.map((r) => r.value),
      [
        { x: 'a', y: 'b' },
        { x: 'c', y: 'd' },
      ],
    );
  });

  test('a broken header fails the task with the file and the fix', async () => {
    const files = new MemoryInputFiles({ 'd.csv': 'a,b,a\n1,2,3\n' });
    await assert.rejects(readSplits(csvReader, csvInput('d.csv'), 1, splitContext({ files })), {
      name: 'InputError',
      message:
        'd.csv:1: the header names the column "a" twice. The first line of a CSV file must name its columns; if the file has no header, pass header: false or header: [\'name\', ...].',
    });
  });

  test('bad options are refused when the spec is made', () => {
    assert.throws(() => csvInput('x.csv', { delimiter: '||' }), {
      name: 'ConfigError',
      message:
        'The CSV delimiter must be one character other than a quote or a line break (e.g. "," or ";" or "\\t"); got "||".',
    });
    assert.throws(() => csvInput('x.csv', { header: ['a', 'a'] }), /distinct, non-empty strings/);
  });
});
