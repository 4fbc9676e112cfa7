import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { NdjsonPartWriter, partName, toNdjsonLine } from '../../../src/io/outputs/part-writer.ts';
import type { BlobStore } from '../../../src/ports/blob-store.ts';
import { listNames, readText, taskOutputContext, withTempDir } from '../helpers.ts';

const PREFIX = 'tmp/run-1/main/out/words/';

describe('NdjsonPartWriter', () => {
  test('rolls to a new attempt-scoped part every maxRecordsPerPart records', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const writer = new NdjsonPartWriter(taskOutputContext({ blobs }), { maxRecordsPerPart: 3 });
      for (let i = 0; i < 8; i++) await writer.write({ word: `w${i}`, n: i });
      const { parts } = await writer.close();
      assert.deepEqual(parts, [
        { name: `${PREFIX}s0-map-00000-a1-0000.ndjson`, records: 3 },
        { name: `${PREFIX}s0-map-00000-a1-0001.ndjson`, records: 3 },
        { name: `${PREFIX}s0-map-00000-a1-0002.ndjson`, records: 2 },
      ]);
      assert.equal(await readText(blobs, parts[2]!.name), '{"word":"w6","n":6}\n{"word":"w7","n":7}\n');
    });
  });

  test('streams parts bigger than its buffer and keeps every record in order', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const writer = new NdjsonPartWriter(taskOutputContext({ blobs }), {
        maxRecordsPerPart: 2500,
        bufferBytes: 1000,
      });
      let promises = 0;
      for (let i = 0; i < 6000; i++) {
        const pending = writer.write({ i, text: 'x'.repeat(i % 50) });
        if (pending) {
          promises++;
          await pending;
        }
      }
      const { parts } = await writer.close();
      assert.ok(promises > 10, 'the writer should ask the task to wait while it streams');
      assert.deepEqual(
        parts.map((p) => p.records),
        [2500, 2500, 1000],
      );
      const lines = (await Promise.all(parts.map((p) => readText(blobs, p.name))))
        .join('')
        .trimEnd()
        .split('\n');
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as { i: number }).i),
        Array.from({ length: 6000 }, (_, i) => i),
      );
    });
  });

  test('a task that writes nothing has no parts', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      assert.deepEqual(await new NdjsonPartWriter(taskOutputContext({ blobs })).close(), { parts: [] });
      assert.deepEqual(await listNames(blobs, 'tmp/'), []);
    });
  });

  test('abort deletes what the attempt wrote', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const writer = new NdjsonPartWriter(taskOutputContext({ blobs }), {
        maxRecordsPerPart: 2,
        bufferBytes: 10,
      });
      for (let i = 0; i < 5; i++) await writer.write({ i });
      assert.ok((await listNames(blobs, PREFIX)).length >= 2);
      await writer.abort();
      assert.deepEqual(await listNames(blobs, PREFIX), []);
    });
  });

  test('a part that exists already is this attempt’s own retried upload: kept, not overwritten, and the attempt goes on', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const ctx = taskOutputContext({ blobs });
      // Attempt numbers are unique per claim, so only this attempt can have written this name.
      await blobs.put(partName(ctx, 0), '{"a":1}\n');
      const writer = new NdjsonPartWriter(ctx);
      void writer.write({ a: 1 });
      const { parts } = await writer.close();
      assert.deepEqual(parts, [{ name: partName(ctx, 0), records: 1 }]);
      assert.equal(await readText(blobs, partName(ctx, 0)), '{"a":1}\n');
    });
  });

  test('a store failure while streaming surfaces on the next write or close', async () => {
    await withTempDir(async (dir) => {
      const inner = new FileBlobStore(dir);
      const failing: BlobStore = Object.assign(Object.create(inner) as BlobStore, {
        put: async () => {
          throw new Error('disk full');
        },
      });
      const writer = new NdjsonPartWriter(taskOutputContext({ blobs: failing }), { bufferBytes: 10 });
      const first = writer.write({ a: 'long enough to stream' });
      await first;
      await assert.rejects(async () => {
        for (let i = 0; i < 10; i++) await writer.write({ i });
        await writer.close();
      }, /disk full/);
    });
  });

  test('records that are not JSON values are refused with the output name', () => {
    assert.throws(() => toNdjsonLine({ n: 10n }, 'words'), {
      name: 'NonRetryableError',
      message:
        'Output "words": a record cannot be written as JSON (Do not know how to serialize a BigInt). Records must be JSON values: convert BigInt to strings and remove circular references.',
    });
    assert.throws(() => toNdjsonLine(undefined, 'words'), {
      name: 'NonRetryableError',
      message: 'Output "words": cannot write undefined as a record. Emit an object (or another JSON value).',
    });
    assert.equal(toNdjsonLine({ at: new Date(0) }, 'w'), '{"at":"1970-01-01T00:00:00.000Z"}\n');
  });
});
