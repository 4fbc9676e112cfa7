import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../../../src/adapters/local/file-lock.ts';

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-lock-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const options = { timeoutMillis: 2_000, staleMillis: 1_000 };

void test('holders of one lock run one at a time and the lock file is removed afterwards', async () => {
  await withDir(async (dir) => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let most = 0;
    const work = async (): Promise<void> => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside--;
    };
    await Promise.all(Array.from({ length: 5 }, () => withFileLock(lock, options, work)));
    assert.equal(most, 1);
    assert.ok(!existsSync(lock));
  });
});

void test('a lock left by a process that no longer exists is taken over at once', async () => {
  await withDir(async (dir) => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, JSON.stringify({ token: 't', pid: 2 ** 22 + 12345, threadId: 0 }));
    const started = Date.now();
    assert.equal(await withFileLock(lock, options, async () => 'ran'), 'ran');
    assert.ok(Date.now() - started < 500);
  });
});

void test('a lock not touched for staleMillis is taken over; a fresh one makes waiters time out', async () => {
  await withDir(async (dir) => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, JSON.stringify({ token: 't', pid: process.pid, threadId: 99 }));
    await assert.rejects(
      withFileLock(lock, { timeoutMillis: 100, staleMillis: 60_000 }, async () => 'never'),
      (err: Error) => {
        assert.equal(err.name, 'TransientError');
        assert.match(err.message, /x\.lock is held by process \d+ \(thread 99\); gave up after \d+ ms/);
        return true;
      },
    );
    const old = new Date(Date.now() - 5_000);
    await utimes(lock, old, old);
    assert.equal(await withFileLock(lock, options, async () => 'ran'), 'ran');
  });
});
