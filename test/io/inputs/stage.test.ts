import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stageReader } from '../../../src/io/inputs/stage.ts';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { fromStage } from '../../../src/core/job.ts';
import { readSplits, splitContext, withTempDir } from '../helpers.ts';

describe('stage input', () => {
  test('reads the committed parts of an earlier stage, grouped into at most `shards` splits', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const parts: string[] = [];
      for (let p = 0; p < 5; p++) {
        const name = `tmp/r1/count/out/records/s0-reduce-0000${p}-a1-0000.ndjson`;
        const lines = Array.from({ length: 3 }, (_, i) => JSON.stringify({ part: p, i }));
        await blobs.put(name, lines.join('\n') + '\n');
        parts.push(name);
      }
      const asked: unknown[] = [];
      const ctx = splitContext({
        blobs,
        stageOutputs: async (stage, output) => {
          asked.push([stage, output]);
          return parts;
        },
      });
      const splits = await readSplits(stageReader, fromStage('count'), 2, ctx);
      assert.deepEqual(asked, [['count', undefined]]);
      assert.equal(splits.length, 2);
      const values = splits.flat().map((r) => r.value);
      assert.deepEqual(
        values,
        parts.flatMap((_, p) => [0, 1, 2].map((i) => ({ part: p, i }))),
      );
      assert.equal(await splits[1]!.at(-1)!.position(), `${parts[4]}:3`);
      const one = await readSplits(stageReader, fromStage('count'), 10, ctx);
      assert.equal(one.length, 5);
    });
  });

  test('an earlier stage with no parts gives no splits', async () => {
    assert.deepEqual(await stageReader.split(fromStage('count'), 4, splitContext()), []);
  });

  test('a damaged part fails with the part and line', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      await blobs.put('p.ndjson', '{"a":1}\n{"a":\n');
      await assert.rejects(
        readSplits(
          stageReader,
          fromStage('count'),
          1,
          splitContext({ blobs, stageOutputs: async () => ['p.ndjson'] }),
        ),
        (err: Error) =>
          err.name === 'InputError' &&
          err.message.startsWith("p.ndjson:2: an earlier stage's output part is not valid NDJSON"),
      );
    });
  });
});
