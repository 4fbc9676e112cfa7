import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { SqliteStateStore } from '../../../src/adapters/local/sqlite-state-store.ts';
import { stateStoreContract } from '../../contracts/state-store.ts';
import { makeRun, makeTask } from '../../contracts/records.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-sqlite-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

stateStoreContract('SqliteStateStore (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-sqlite-'));
  const store = new SqliteStateStore(join(dir, 'state.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

stateStoreContract('SqliteStateStore (:memory:)', async () => {
  const store = new SqliteStateStore(':memory:');
  return { store, cleanup: () => store.close() };
});

void describe('SqliteStateStore', () => {
  void test('uses WAL, a busy timeout and synchronous=FULL on file databases', () =>
    withDir(async (dir) => {
      const store = new SqliteStateStore(join(dir, 'state.db'));
      await store.insertRun(makeRun('r1'));
      await store.close();
      const db = new DatabaseSync(join(dir, 'state.db'));
      assert.deepEqual({ ...db.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
      db.close();
    }));

  void test('data survives closing and reopening the file', () =>
    withDir(async (dir) => {
      const path = join(dir, 'state.db');
      const first = new SqliteStateStore(path);
      await first.insertRun(makeRun('r1'));
      await first.insertTasks([makeTask('r1', 0, 'map', 0)]);
      await first.updateTask('r1', 's0-map-00000', (t) => ({ ...t, state: 'DONE' }));
      await first.close();
      await first.close();
      const second = new SqliteStateStore(path);
      assert.deepEqual(await second.getRun('r1'), makeRun('r1'));
      assert.equal((await second.getTask('r1', 's0-map-00000'))?.state, 'DONE');
      await second.close();
    }));

  void test('a mutator may not change the key of the record it updates', () =>
    withDir(async (dir) => {
      const store = new SqliteStateStore(join(dir, 'state.db'));
      await store.insertRun(makeRun('r1'));
      await store.insertTasks([makeTask('r1', 0, 'map', 0)]);
      await assert.rejects(
        store.updateRun('r1', (r) => ({ ...r, runId: 'r2' })),
        {
          name: 'NonRetryableError',
          message:
            "A mutator for run r1 returned run r2; mutators may change a record's fields but not its key. " +
            'Return a modified copy of the record you were given.',
        },
      );
      await assert.rejects(
        store.updateTask('r1', 's0-map-00000', (t) => ({ ...t, taskId: 'x' })),
        {
          name: 'NonRetryableError',
          message: /^A mutator for task s0-map-00000 of run r1 returned task x of run r1;/,
        },
      );
      assert.deepEqual(await store.getRun('r1'), makeRun('r1'));
      await store.close();
    }));

  void test('listRuns rejects a limit that is not a positive integer', () =>
    withDir(async (dir) => {
      const store = new SqliteStateStore(join(dir, 'state.db'));
      await assert.rejects(store.listRuns({ limit: 0 }), {
        name: 'ConfigError',
        message: 'listRuns limit must be a positive integer; got 0. Omit it to list every run.',
      });
      await store.close();
    }));

  void test('connections in several worker threads and the main thread on one file lose no update', () =>
    withDir(async (dir) => {
      const path = join(dir, 'state.db');
      const main = new SqliteStateStore(path);
      await main.insertTasks([makeTask('run', 0, 'map', 0, { counters: { n: 0 } })]);
      const increments = 40;
      const workers = ['w0', 'w1', 'w2', 'w3'].map(
        (worker) =>
          new Worker(new URL('./fixtures/sqlite-increment-worker.ts', import.meta.url), {
            workerData: { path, worker, increments },
            stderr: true, // keeps node:sqlite's ExperimentalWarning out of the test output
          }),
      );
      const finished = workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('error', reject);
            w.once('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`)),
            );
          }),
      );
      for (let i = 0; i < increments; i++) {
        await main.updateTask('run', 's0-map-00000', (t) => ({
          ...t,
          counters: { ...t.counters, n: (t.counters?.n ?? 0) + 1, main: (t.counters?.main ?? 0) + 1 },
        }));
      }
      await Promise.all(finished);
      const counters = (await main.getTask('run', 's0-map-00000'))?.counters;
      assert.deepEqual(counters, { n: 5 * increments, main: increments, w0: 40, w1: 40, w2: 40, w3: 40 });
      await main.close();
    }));

  void test('after a SIGKILL mid-loop the file is consistent and every reported commit is readable', () =>
    withDir(async (dir) => {
      const path = join(dir, 'state.db');
      const script = new URL('./fixtures/sqlite-commit-loop-child.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'ignore'] });
      let lastReported = 0;
      let buffered = '';
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        child.once('exit', () => reject(new Error('child exited before it was killed')));
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) lastReported = Math.max(lastReported, Number(line));
          if (lastReported >= 40) resolve();
        });
      });
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      const raw = new DatabaseSync(path);
      assert.deepEqual({ ...raw.prepare('PRAGMA integrity_check').get() }, { integrity_check: 'ok' });
      raw.close();
      const store = new SqliteStateStore(path);
      const task = await store.getTask('run', 's0-map-00000');
      const n = task?.counters?.n ?? 0;
      assert.ok(n >= lastReported, `committed ${n} must include the reported ${lastReported}`);
      assert.ok(task?.description?.startsWith(`n=${n} `), 'the record was written whole');
      // insertTasks for commit k runs after update k: its tasks exist for every reported k.
      assert.equal(await store.countTasks('run', { stage: lastReported, phase: 'reduce' }), 20);
      await store.updateTask('run', 's0-map-00000', (t) => ({ ...t, state: 'DONE' }));
      assert.equal((await store.getTask('run', 's0-map-00000'))?.state, 'DONE');
      await store.close();
    }));
});
