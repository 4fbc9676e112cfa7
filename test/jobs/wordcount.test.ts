import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordcount, words } from '../../jobs/wordcount.ts';
import { runJob } from '../../src/testing.ts';
import { writeZipfText } from '../../src/samples/zipf-text.ts';

/** The obvious single-pass implementation the engine must agree with. */
function plainCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/[A-Za-z0-9]+/g)) {
    const w = m[0].toLowerCase();
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

test('a word is a maximal run of ASCII letters and digits, lowercased', () => {
  assert.deepEqual(words("Don't STOP—me_now: x86 über naïve ÀB9"), [
    'don',
    't',
    'stop',
    'me',
    'now',
    'x86',
    'ber',
    'na',
    've',
    'b9',
  ]);
});

test('wordcount equals a plain count, on worker threads, over several files and a tiny memory budget', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wc-'));
  try {
    await writeZipfText(join(dir, 'a.txt'), { bytes: 300_000, seed: 1, vocabularySize: 3000 });
    await writeZipfText(join(dir, 'b.txt'), { bytes: 200_000, seed: 2, vocabularySize: 3000 });
    await writeFile(join(dir, 'c.txt'), 'Tail line without newline ÄÖ 42');
    const { readFile } = await import('node:fs/promises');
    const text = ['a.txt', 'b.txt', 'c.txt'].map((f) => readFile(join(dir, f), 'utf8'));
    const expected = plainCount((await Promise.all(text)).join('\n'));
    const { run, outputs } = await runJob(wordcount, {
      inputs: [join(dir, '*.txt')],
      shards: 5,
      partitions: 3,
      memoryBudgetBytes: 64 * 1024,
      workers: 2,
    });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    const got = new Map(outputs.wordcount!.map((r) => [r.word as string, Number(r.count)]));
    assert.deepEqual(got, expected);
    assert.ok((run.stages[0]!.counters!['map-spills'] ?? 0) > 0, 'the tiny budget forced spills');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('wordcount without --input fails fast with a message saying how to give input', async () => {
  const { run } = await runJob(wordcount);
  assert.equal(run.status, 'FAILED');
  assert.match(run.error!.message, /--input/);
});
