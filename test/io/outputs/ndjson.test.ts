import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import type { BlobStore } from '../../../src/ports/blob-store.ts';
import { ndjsonOutput, ndjsonWriter } from '../../../src/io/outputs/ndjson.ts';
import { partsWriter } from '../../../src/io/outputs/parts.ts';
import { finalizeContext, listNames, readText, taskOutputContext, withTempDir } from '../helpers.ts';

describe('ndjson output', () => {
  test('finalize copies committed parts in order to results/<job>/<runId>/<output>/, and a re-run changes nothing', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const parts = [];
      for (const task of ['s0-reduce-00000', 's0-reduce-00001']) {
        const writer = ndjsonWriter.open(ndjsonOutput(), taskOutputContext({ blobs, taskId: task }));
        await writer.write({ task });
        await writer.write({ task, second: true });
        parts.push(...(await writer.close()).parts);
      }
      const ctx = finalizeContext({ blobs, parts });
      const summary = await ndjsonWriter.finalize(ndjsonOutput(), ctx);
      const folder = 'results/wordcount/run-1/words/';
      assert.deepEqual(summary, {
        target: `${blobs.location}/${folder}`,
        rows: 4,
        files: [`${folder}part-00000.ndjson`, `${folder}part-00001.ndjson`],
      });
      assert.equal(
        await readText(blobs, `${folder}part-00001.ndjson`),
        '{"task":"s0-reduce-00001"}\n{"task":"s0-reduce-00001","second":true}\n',
      );

      // A redelivered finalize after the run's intermediates are gone: same answer, same files.
      await blobs.deletePrefix('tmp/');
      assert.deepEqual(await ndjsonWriter.finalize(ndjsonOutput(), ctx), summary);
      assert.deepEqual(await listNames(blobs, 'results/'), summary.files);
    });
  });

  test('finalize resumes after its checkpoint: recorded parts are skipped, a copy made past it is recognised', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const parts = [];
      for (const task of ['s0-map-00000', 's0-map-00001', 's0-map-00002', 's0-map-00003']) {
        const writer = ndjsonWriter.open(ndjsonOutput(), taskOutputContext({ blobs, taskId: task }));
        await writer.write({ task });
        parts.push(...(await writer.close()).parts);
      }
      const folder = 'results/wordcount/run-1/words/';
      // A delivery that died copied parts 0 and 1 but recorded only part 0 in its checkpoint.
      await blobs.put(`${folder}part-00000.ndjson`, '{"task":"s0-map-00000"}\n');
      await blobs.put(`${folder}part-00001.ndjson`, '{"task":"s0-map-00001"}\n');
      const puts: string[] = [];
      const counting: BlobStore = {
        location: blobs.location,
        put: (name, data, options) => {
          puts.push(name);
          return blobs.put(name, data, options);
        },
        get: (name) => blobs.get(name),
        read: (name, range) => blobs.read(name, range),
        stat: (name) => blobs.stat(name),
        list: (prefix) => blobs.list(prefix),
        delete: (name) => blobs.delete(name),
        deletePrefix: (prefix) => blobs.deletePrefix(prefix),
      };
      const progress: number[] = [];
      const summary = await ndjsonWriter.finalize(
        ndjsonOutput(),
        finalizeContext({
          blobs: counting,
          parts,
          published: 1,
          progress: async (n) => void progress.push(n),
        }),
      );
      assert.deepEqual(puts, [`${folder}part-00002.ndjson`, `${folder}part-00003.ndjson`]);
      assert.deepEqual(progress, [2, 3, 4]);
      assert.equal(summary.files?.length, 4);
      assert.equal(summary.rows, 4);
      assert.equal(await readText(blobs, `${folder}part-00003.ndjson`), '{"task":"s0-map-00003"}\n');
    });
  });

  test('name picks the results folder', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const summary = await ndjsonWriter.finalize(
        ndjsonOutput({ name: 'top-words' }),
        finalizeContext({ blobs, parts: [] }),
      );
      assert.deepEqual(summary, {
        target: `${blobs.location}/results/wordcount/run-1/top-words/`,
        rows: 0,
        files: [],
      });
    });
    assert.throws(() => ndjsonOutput({ name: '../x' }), {
      name: 'ConfigError',
      message:
        "NDJSON output name \"../x\" is not valid: it becomes a folder name, so use letters, digits, '.', '_' and '-' (at most 128, not starting with '.' or '-').",
    });
  });
});

describe('parts output', () => {
  test('keeps records in parts for later stages and summarises them', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const writer = partsWriter.open({ type: 'parts' }, taskOutputContext({ blobs, outputName: 'records' }));
      await writer.write({ a: 1 });
      const { parts } = await writer.close();
      assert.deepEqual(parts, [
        { name: 'tmp/run-1/main/out/records/s0-map-00000-a1-0000.ndjson', records: 1 },
      ]);
      assert.deepEqual(
        await partsWriter.finalize(
          { type: 'parts' },
          finalizeContext({ blobs, parts, outputName: 'records' }),
        ),
        { target: `${blobs.location}/tmp/run-1/main/out/records/`, rows: 1 },
      );
    });
  });
});
