import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reverseIndex, reverseIndexSpread } from '../../jobs/reverse-index.ts';
import { runJob } from '../../src/testing.ts';

const files: Record<string, string> = {
  'one.txt': 'the cat sat\non the mat\n',
  'two.txt': 'The dog sat.\nA cat ran\n',
  'three.txt': 'dog days\n',
};

async function withFiles<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ri-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Plain implementation: word → sorted unique files. */
function plainIndex(): Map<string, string[]> {
  const index = new Map<string, Set<string>>();
  for (const [file, text] of Object.entries(files)) {
    for (const m of text.matchAll(/[A-Za-z0-9]+/g)) {
      const w = m[0].toLowerCase();
      index.set(w, (index.get(w) ?? new Set()).add(file));
    }
  }
  return new Map([...index].map(([w, s]) => [w, [...s].sort()]));
}

test('reverse-index maps every word to its sorted unique files', () =>
  withFiles(async (dir) => {
    const { run, outputs } = await runJob(reverseIndex, {
      inputs: [join(dir, '*.txt')],
      shards: 3,
      partitions: 2,
    });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    const got = new Map(outputs.reverse_index!.map((r) => [r.word as string, r.files as string[]]));
    assert.deepEqual(got, plainIndex());
  }));

test('a two-stage job: the second stage reads the first stage output and its map counters', () =>
  withFiles(async (dir) => {
    const { run, outputs } = await runJob(reverseIndexSpread, {
      inputs: [join(dir, '*.txt')],
      shards: 2,
      partitions: 2,
    });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    const index = plainIndex();
    const histogram = new Map<number, number>();
    for (const fileList of index.values())
      histogram.set(fileList.length, (histogram.get(fileList.length) ?? 0) + 1);
    const rows = outputs.word_spread!.map(
      (r) => [Number(r.files), Number(r.words), Number(r.share)] as const,
    );
    assert.deepEqual(new Map(rows.map(([k, n]) => [k, n])), histogram);
    for (const [, n, share] of rows) assert.ok(Math.abs(share - n / index.size) < 1e-12);
    assert.deepEqual(
      run.stages.map((s) => s.name),
      ['index', 'spread'],
    );
  }));
