import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { textInput, textReader } from '../../../src/io/inputs/text.ts';
import { expectedLines, gzip, MemoryInputFiles, readSplits, splitContext } from '../helpers.ts';

/** A file's content from random lines: empty lines, multi-byte characters, LF or CRLF, with or without a final newline. */
const fileContent = fc
  .record({
    lines: fc.array(
      fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '€', '😀', '\t', '"'), maxLength: 12 }),
      {
        maxLength: 25,
      },
    ),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, crlf, finalNewline }) => {
    const nl = crlf ? '\r\n' : '\n';
    return lines.join(nl) + (finalNewline && lines.length > 0 ? nl : '');
  });

describe('text input', () => {
  test('every line is read exactly once, in order, whatever the number of splits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileContent, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 9 }),
        async (contents, shards, chunkBytes) => {
          const names = contents.map((_, i) => `data/f${i}.txt`);
          const files = new MemoryInputFiles(
            Object.fromEntries(names.map((n, i) => [n, contents[i]!])),
            chunkBytes,
          );
          const spec = textInput(names, { minSplitBytes: 1 });
          const splits = await readSplits(textReader, spec, shards, splitContext({ files }));
          assert.ok(splits.length <= shards, `${splits.length} splits for ${shards} shards`);
          const got = await Promise.all(
            splits.flat().map(async (r) => ({ ...r.value, position: await r.position() })),
          );
          const want = names.flatMap((file, i) =>
            expectedLines(contents[i]!).map((l) => ({
              file,
              offset: l.offset,
              text: l.text,
              position: `${file}:${l.line}`,
            })),
          );
          assert.deepEqual(got, want);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a line starting exactly at a split boundary belongs to the earlier split', async () => {
    // "aaa\n" is 4 bytes: with 2 splits of an 8-byte file the cut is at 4, where "bbb" starts.
    const files = new MemoryInputFiles({ 'x.txt': 'aaa\nbbb\n' });
    const splits = await readSplits(
      textReader,
      textInput('x.txt', { minSplitBytes: 1 }),
      2,
      splitContext({ files }),
    );
    assert.deepEqual(
      splits.map((s) => s.map((r) => r.value.text)),
      [['aaa', 'bbb'], []],
    );
  });

  test('a split reads only a little past its end to finish its last line', async () => {
    const line = 'x'.repeat(99) + '\n';
    const files = new MemoryInputFiles({ 'big.txt': line.repeat(10_000) }, 4096); // 1 MB
    const spec = textInput('big.txt', { minSplitBytes: 1 });
    const ctx = splitContext({ files });
    const [first] = await textReader.split(spec, 4, ctx);
    files.reads.length = 0;
    let count = 0;
    for await (const _ of textReader.read(spec, first!.descriptor, ctx)) count++;
    // Lines start at 0, 100, …, 250000: the one at the boundary 250000 is this split's too.
    assert.equal(count, 2501);
    const furthest = Math.max(...files.reads.map((r) => r.range?.end ?? Infinity));
    assert.ok(furthest <= 250_000 + 64 * 1024, `read up to byte ${furthest}`);
  });

  test('small inputs get fewer splits than shards, and empty files none', async () => {
    const files = new MemoryInputFiles({ 'a.txt': 'hello\n', 'empty.txt': '' });
    const ctx = splitContext({ files });
    assert.equal((await textReader.split(textInput(['a.txt', 'empty.txt']), 8, ctx)).length, 1);
    assert.equal((await textReader.split(textInput('empty.txt'), 8, ctx)).length, 0);
    assert.equal((await textReader.split(textInput('a.txt', { minSplitBytes: 1 }), 100, ctx)).length, 6);
  });

  test('.gz files are decompressed and read whole by one split', async () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const files = new MemoryInputFiles({ 'logs.txt.gz': gzip(text), 'plain.txt': 'p1\np2\n' });
    const splits = await readSplits(
      textReader,
      textInput(['logs.txt.gz', 'plain.txt'], { minSplitBytes: 1 }),
      20,
      splitContext({ files }),
    );
    const gz = splits.filter((s) => s.some((r) => r.value.file === 'logs.txt.gz'));
    assert.equal(gz.length, 1);
    const lines = splits.flat().map((r) => r.value.text);
    assert.deepEqual(lines, [...text.split('\n'), 'p1', 'p2']);
    assert.equal(await gz[0]![499]!.position(), 'logs.txt.gz:500');
  });

  test('a .gz file that is not gzip fails with the file and the fix', async () => {
    const files = new MemoryInputFiles({ 'bad.gz': 'not compressed at all\n' });
    await assert.rejects(
      readSplits(textReader, textInput('bad.gz'), 1, splitContext({ files })),
      (err: Error) => {
        assert.equal(err.name, 'InputError');
        assert.match(
          err.message,
          /^bad\.gz: cannot decompress \(.*\)\. Files whose name ends in \.gz are read as gzip/,
        );
        return true;
      },
    );
  });

  test('a byte order mark is not part of the first line', async () => {
    const files = new MemoryInputFiles({ 'bom.txt': '\uFEFFfirst\nsecond' });
    const [split] = await readSplits(textReader, textInput('bom.txt'), 1, splitContext({ files }));
    assert.deepEqual(
      split!.map((r) => r.value.text),
      ['first', 'second'],
    );
  });

  test("a text input without paths names the job message's inputs field (split sees a message, not flags)", async () => {
    await assert.rejects(textReader.split(textInput(), 4, splitContext()), {
      name: 'ConfigError',
      message:
        'This job reads files (a text input with no paths): list them in the job message\'s "inputs" field, ' +
        'e.g. "inputs": ["gs://BUCKET/data/*.txt"] (what the CLI\'s --input sets), or give the paths in the job.',
    });
  });
});
