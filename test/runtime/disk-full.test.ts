// A full disk is reported at once, with what to do: a write that fails with ENOSPC (or DuckDB's
// "No space left on device") fails the run on the first try instead of being retried with backoff
// for minutes while the run shows RUNNING with no error. Injected deterministically: the local
// runtime's blob store and warehouse wrapped to fail like a full disk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordcount } from '../../jobs/wordcount.ts';
import { TransientError } from '../../src/core/errors.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { LocalRuntime } from '../../src/runtime/local-runtime.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'disk-full-'));
  await writeFile(join(dir, 'a.txt'), 'the quick brown fox\njumps over the lazy dog\n');
});
after(() => rm(dir, { recursive: true, force: true }));

function enospc(path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
    code: 'ENOSPC',
    errno: -28,
    syscall: 'write',
  });
}

/** Runs wordcount on the main thread (workers 0) after `inject` rewires the runtime's env. */
async function runWith(inject: (runtime: LocalRuntime) => void) {
  const jobs = new JobRegistry();
  jobs.register(wordcount);
  const runtime = new LocalRuntime({
    dataDir: await mkdtemp(join(dir, 'data-')),
    jobs,
    cwd: dir,
    workers: 0,
  });
  try {
    inject(runtime);
    const runId = await runtime.submit({ job: 'wordcount', inputs: ['a.txt'], shards: 1, partitions: 1 });
    const record = await runtime.wait(runId, undefined, 20);
    return { run: record, tasks: await runtime.adapters.state.listTasks(runId), bus: runtime.bus };
  } finally {
    await runtime.close();
  }
}

test('finalize on a full disk fails the run after one load, saying the disk is full and how to go on', async () => {
  let loads = 0;
  const { run, bus } = await runWith((runtime) => {
    runtime.env.warehouse = {
      async load() {
        loads++;
        // What DuckDbWarehouse makes of DuckDB's write error: an IO Error is a TransientError there.
        throw new TransientError(
          'Cannot load table "word_counts": IO Error: Could not write file "warehouse.duckdb.wal": No space left on device. Nothing was loaded.',
        );
      },
      query: async () => [],
    };
  });
  assert.equal(run.status, 'FAILED');
  assert.equal(loads, 1, 'not retried: the disk is still full a few seconds later');
  assert.equal(bus.deadLetters.length, 0);
  assert.match(
    run.error?.message ?? '',
    /No space left on device\. Nothing was loaded\.\. The disk is full\. Free space/,
  );
  assert.match(run.error?.message ?? '', /then resume the run with `cloudreduce resume <runId>`/);
});

test('ENOSPC writing a reduce output part fails the task on its first attempt, with the advice', async () => {
  const { run, tasks } = await runWith((runtime) => {
    const blobs = runtime.env.blobs;
    const full: BlobStore = {
      location: blobs.location,
      put: async (name, data, options) => {
        if (name.includes('/out/')) throw enospc(name); // an output part: tmp/<run>/<stage>/out/...
        return blobs.put(name, data, options);
      },
      get: (name) => blobs.get(name),
      read: (name, range) => blobs.read(name, range),
      stat: (name) => blobs.stat(name),
      list: (prefix) => blobs.list(prefix),
      delete: (name) => blobs.delete(name),
      deletePrefix: (prefix) => blobs.deletePrefix(prefix),
    };
    runtime.env.blobs = full;
  });
  assert.equal(run.status, 'FAILED');
  const task = tasks.find((t) => t.taskId === run.error?.taskId);
  assert.equal(task?.phase, 'reduce', JSON.stringify(run.error));
  assert.equal(task?.attempt, 1, JSON.stringify(run.error).slice(0, 600));
  assert.match(
    run.error?.message ?? '',
    /^ENOSPC: no space left on device, write 'tmp\/.*\/out\/.*The disk is full\./,
  );
});
