import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { words } from '../../jobs/wordcount.ts';
import { wordcountBlocks } from '../../jobs/wordcount-blocks.ts';
import { WordCounter } from '../../jobs/word-bytes.ts';
import { runJob } from '../../src/testing.ts';
import { writeZipfText } from '../../src/samples/zipf-text.ts';

function countOf(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

function countBytes(chunks: Buffer[]): Map<string, number> {
  const counter = new WordCounter();
  for (const chunk of chunks) counter.scan(chunk);
  counter.end();
  const out = new Map<string, number>();
  counter.forEach((w, n) => out.set(w, n));
  return out;
}

test('the byte counter cuts words as words() does, whatever the text and wherever the buffers end', () => {
  const text = fc.string({
    unit: fc.constantFrom('a', 'Z', 'q', '7', ' ', '\n', '-', 'é', 'İ', 'ß', '😀', '_', 'K'),
    maxLength: 300,
  });
  fc.assert(
    fc.property(text, fc.array(fc.nat(300), { maxLength: 6 }), (s, cuts) => {
      const bytes = Buffer.from(s);
      const at = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
      const chunks = at.slice(1).map((end, i) => bytes.subarray(at[i]!, end));
      assert.deepEqual(countBytes(chunks), countOf(s));
    }),
    { numRuns: 500 },
  );
});

test('the byte counter grows past its first table, arena and word buffer, and clear() forgets all', () => {
  const many = Array.from({ length: 70_000 }, (_, i) => `w${i.toString(36)}`).join(' ');
  const long = 'x'.repeat(1000);
  const counter = new WordCounter();
  counter.scan(Buffer.from(`${many} ${many} ${long}`));
  counter.end();
  assert.equal(counter.size, 70_001);
  let seen = 0;
  counter.forEach((w, n) => {
    seen++;
    assert.equal(n, w === long ? 1 : 2, w);
  });
  assert.equal(seen, 70_001);
  counter.clear();
  counter.scan(Buffer.from('again again'));
  counter.end();
  const after: [string, number][] = [];
  counter.forEach((w, n) => after.push([w, n]));
  assert.deepEqual(after, [['again', 2]]);
});

test('wordcount-blocks gives the table wordcount gives, on worker threads (a BOM, CRLF and a last line without newline included)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wcb-'));
  try {
    await writeZipfText(join(dir, 'a.txt'), { bytes: 400_000, seed: 3, vocabularySize: 3000 });
    await writeFile(join(dir, 'b.txt'), '\uFEFFFirst line\r\nTail line without newline ÄÖ 42');
    const texts = await Promise.all(['a.txt', 'b.txt'].map((f) => readFile(join(dir, f), 'utf8')));
    const expected = countOf(texts.join('\n'));
    const { run, outputs } = await runJob(wordcountBlocks, {
      inputs: [join(dir, '*.txt')],
      shards: 3,
      partitions: 3,
      workers: 2,
    });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    const got = new Map(outputs.wordcount!.map((r) => [r.word as string, Number(r.count)]));
    assert.deepEqual(got, expected);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
