import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { textBlocksInput, textBlocksReader } from '../../../src/io/inputs/text-blocks.ts';
import { scanBlocks } from '../../../src/io/inputs/block-scanner.ts';
import type { SplitContext } from '../../../src/io/types.ts';
import { gzip, MemoryInputFiles, splitContext } from '../helpers.ts';

interface Read {
  value: { file: string; offset: number; bytes: Buffer };
  position: () => string | Promise<string>;
}

/** Every split's blocks, copied as they are read (a block's memory is reused for the next). */
async function readSplits(
  reader: typeof textBlocksReader,
  spec: ReturnType<typeof textBlocksInput>,
  shards: number,
  ctx: SplitContext,
): Promise<Read[][]> {
  const out: Read[][] = [];
  for (const split of await reader.split(spec, shards, ctx)) {
    const blocks: Read[] = [];
    for await (const r of reader.read(spec, JSON.parse(JSON.stringify(split.descriptor)), ctx))
      blocks.push({ value: { ...r.value, bytes: Buffer.from(r.value.bytes) }, position: r.position });
    out.push(blocks);
  }
  return out;
}

const fileContent = fc
  .record({
    lines: fc.array(fc.string({ unit: fc.constantFrom('a', 'B', ' ', 'é', '😀', '\t'), maxLength: 12 }), {
      maxLength: 25,
    }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, crlf, finalNewline }) => {
    const nl = crlf ? '\r\n' : '\n';
    return lines.join(nl) + (finalNewline && lines.length > 0 ? nl : '');
  });

describe('text blocks input', () => {
  test('the blocks of all splits are the file, cut only after a newline, each at least blockBytes but the last of a split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ content: fileContent, gz: fc.boolean() }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        async (files, shards, chunkBytes, blockBytes) => {
          const names = files.map((f, i) => (f.gz ? `d/f${i}.txt.gz` : `d/f${i}.txt`));
          const memory = new MemoryInputFiles(
            Object.fromEntries(
              names.map((n, i) => [n, files[i]!.gz ? gzip(files[i]!.content) : files[i]!.content]),
            ),
            chunkBytes,
          );
          const spec = textBlocksInput(names, { minSplitBytes: 1, blockBytes });
          const splits = await readSplits(textBlocksReader, spec, shards, splitContext({ files: memory }));
          const got = new Map<string, Buffer[]>(names.map((n) => [n, []]));
          for (const split of splits) {
            for (const [k, { value }] of split.entries()) {
              const last = k === split.length - 1 || split[k + 1]!.value.file !== value.file;
              const endsLine = value.bytes[value.bytes.length - 1] === 0x0a;
              assert.ok(value.bytes.length > 0, 'no empty block');
              if (!last)
                assert.ok(
                  value.bytes.length >= blockBytes,
                  `a block of ${value.bytes.length} < ${blockBytes}`,
                );
              const whole = Buffer.from(files[names.indexOf(value.file)]!.content);
              assert.ok(
                endsLine || value.offset + value.bytes.length === whole.length,
                'cut after a newline or at the end',
              );
              assert.deepEqual(value.bytes, whole.subarray(value.offset, value.offset + value.bytes.length));
              got.get(value.file)!.push(value.bytes);
            }
          }
          for (const [i, name] of names.entries())
            assert.equal(
              Buffer.concat(got.get(name)!).toString(),
              files[i]!.content,
              `${name} read whole, once`,
            );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a byte order mark is left out and the offset says where the block starts', async () => {
    const files = new MemoryInputFiles({ 'bom.txt': '\uFEFFfirst\nsecond' });
    const [split] = await readSplits(
      textBlocksReader,
      textBlocksInput('bom.txt'),
      1,
      splitContext({ files }),
    );
    assert.deepEqual(
      split!.map((r) => [r.value.offset, r.value.bytes.toString()]),
      [[3, 'first\nsecond']],
    );
  });

  test("a block's position names its first line and its bytes", async () => {
    const files = new MemoryInputFiles({ 'a.txt': 'one\ntwo\nthree\nfour\n' });
    const [split] = await readSplits(
      textBlocksReader,
      textBlocksInput('a.txt', { blockBytes: 8 }),
      1,
      splitContext({ files }),
    );
    assert.deepEqual(await Promise.all(split!.map((r) => r.position())), [
      'a.txt:1 (the block of 8 bytes from byte 0)',
      'a.txt:3 (the block of 11 bytes from byte 8)',
    ]);
  });

  test('a line longer than the limit fails naming the file and the offset, not the worker heap', async () => {
    const files = new MemoryInputFiles({ 'long.txt': `ok\n${'x'.repeat(5000)}\n` }, 512);
    const spec = textBlocksInput('long.txt');
    const [split] = await textBlocksReader.split(spec, 1, splitContext({ files }));
    const { scanBlocks } = await import('../../../src/io/inputs/block-scanner.ts');
    const chunks = files.read('long.txt');
    await assert.rejects(
      (async () => {
        for await (const _ of scanBlocks(chunks, {
          start: 0,
          skipFirst: false,
          lastStart: Infinity,
          blockBytes: 1 << 20,
          maxLineBytes: 1000,
          file: 'long.txt',
        }));
      })(),
      { name: 'InputError', message: /^long\.txt: the line starting at byte offset 3 is longer than/ },
    );
    assert.ok(split, 'the file has a split');
  });

  test("a block's bytes are reused once the consumer moves on to the next block", async () => {
    const files = new MemoryInputFiles({ 'a.txt': 'aaaa\nbbbb\n' });
    const spec = textBlocksInput('a.txt', { blockBytes: 1 });
    const [split] = await textBlocksReader.split(spec, 1, splitContext({ files }));
    const seen: Buffer[] = [];
    for await (const r of textBlocksReader.read(spec, split!.descriptor, splitContext({ files }))) {
      assert.equal(
        r.value.bytes.toString(),
        seen.length === 0 ? 'aaaa\n' : 'bbbb\n',
        'valid while it is current',
      );
      seen.push(r.value.bytes);
    }
    assert.notEqual(
      seen[0]!.toString(),
      'aaaa\n',
      'the first block, kept without a copy, no longer holds it',
    );
  });

  test('a block that lies inside one chunk is a view of the chunk; one that spans chunks is gathered', async () => {
    const chunks = [Buffer.from('aa\nbb\ncc'), Buffer.from('c\ndd\n')];
    async function* source(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    const end = chunks.reduce((n, c) => n + c.length, 0);
    const blocks: { text: string; view: boolean; offset: number; next: number }[] = [];
    for await (const b of scanBlocks(source(), {
      start: 0,
      lastStart: end - 1,
      skipFirst: false,
      blockBytes: 3,
    }))
      blocks.push({
        text: b.bytes.toString(),
        view: chunks.some((c) => c.buffer === b.bytes.buffer),
        offset: b.offset,
        next: b.next,
      });
    assert.deepEqual(blocks, [
      { text: 'aa\n', view: true, offset: 0, next: 3 },
      { text: 'bb\n', view: true, offset: 3, next: 6 },
      { text: 'ccc\n', view: false, offset: 6, next: 10 },
      { text: 'dd\n', view: true, offset: 10, next: 13 },
    ]);
  });

  test('blockBytes out of range is refused with the allowed range', () => {
    for (const bad of [0, -1, 1.5, 2 ** 40]) {
      assert.throws(() => textBlocksInput('a.txt', { blockBytes: bad }), {
        name: 'ConfigError',
        message: /^input\.textBlocks\(\): blockBytes must be a whole number of bytes from 1 to 268435456/,
      });
    }
  });
});
