// A run reads its inputs as they were planned: each split pins its file's size and version
// (modification time locally, generation on GCS), and a file truncated or rewritten while the run
// reads it fails the task with an InputError naming the file, instead of a DONE run with the counts
// of half a file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsInputFiles } from '../../../src/adapters/local/fs-input-files.ts';
import { defineJob, input, output, type Values } from '../../../src/index.ts';
import { readRangeLines } from '../../../src/io/inputs/file-lines.ts';
import { runJob } from '../../../src/testing.ts';

let dir: string;
const LINES = 20_000; // ~300 KB: read in several chunks
const text = Array.from({ length: LINES }, (_, i) => `line number ${i}`).join('\n') + '\n';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a file truncated while its split is read fails with an InputError naming it', async () => {
  await writeFile(join(dir, 'shrinks.txt'), text);
  let truncated = false;
  // Counts lines, and cuts its own input file in half at the first line, as a user's `> file` would.
  const counter = defineJob({
    name: 'truncating-count',
    input: input.text(),
    async map(line: { text: string }, emit: (key: string, n: number) => void) {
      if (!truncated) {
        truncated = true;
        await truncate(join(dir, 'shrinks.txt'), text.length / 2);
      }
      emit('lines', 1);
    },
    async reduce(key: string, ones: Values<number>, emit: (row: { key: string; n: number }) => void) {
      let n = 0;
      for await (const one of ones) n += one;
      emit({ key, n });
    },
    outputs: { counts: output.ndjson() },
  });
  const { run, outputs } = await runJob(counter, { cwd: dir, inputs: ['shrinks.txt'], shards: 1 });
  assert.equal(
    run.status,
    'FAILED',
    `a run over a changed file must not end DONE: ${JSON.stringify(outputs)}`,
  );
  assert.equal(run.error?.name, 'InputError');
  assert.match(
    run.error?.message ?? '',
    /^shrinks\.txt changed while the run was reading it: .*A run reads its inputs as they were when it started; let the file be complete \(write it elsewhere and move it in place\) and run the job again\.$/,
  );
});

test('a file rewritten after planning (same size, new mtime) is refused before it is read', async () => {
  const path = join(dir, 'rewritten.txt');
  await writeFile(path, 'aaaa\nbbbb\n');
  const files = new FsInputFiles(dir);
  const [file] = await files.expand(['rewritten.txt']);
  assert.ok(file?.version, 'expand pins a version');
  await writeFile(path, 'cccc\ndddd\n');
  await utimes(path, new Date(), new Date(Date.now() + 5_000));
  const range = { uri: file.uri, start: 0, end: file.size, size: file.size, version: file.version };
  await assert.rejects(
    async () => {
      for await (const _batch of readRangeLines(files, range))
        assert.fail('nothing of the new content is read');
    },
    {
      name: 'InputError',
      message: /^rewritten\.txt changed while the run was reading it: it was modified \(mtime:/,
    },
  );
  // Unchanged, the same pin reads fine.
  const [again] = await files.expand(['rewritten.txt']);
  const lines: string[] = [];
  for await (const batch of readRangeLines(files, { ...range, version: again!.version }))
    lines.push(...batch.texts);
  assert.deepEqual(lines, ['cccc', 'dddd']);
});
