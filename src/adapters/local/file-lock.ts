// An exclusive lock between threads AND processes, held as a file created with O_EXCL.
//
// Why not rely on the database's own lock: DuckDB locks its file with fcntl, which is per process,
// so two worker threads of one process could both open the file for writing and corrupt it. The
// holder touches the lock file while it works; a lock whose holder process is gone, or that has not
// been touched for `staleMillis` (a terminated worker thread), is taken over.

import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import { TransientError } from '../../core/errors.ts';

export interface FileLockOptions {
  /** Give up (TransientError) after waiting this long for another holder. */
  timeoutMillis: number;
  /** A lock not touched for this long is abandoned; holders touch it every staleMillis / 4. */
  staleMillis: number;
}

interface Holder {
  token: string;
  pid: number;
  threadId: number;
}

export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const me: Holder = { token: randomUUID(), pid: process.pid, threadId };
  await acquire(lockPath, me, options);
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => {});
    },
    Math.max(10, Math.floor(options.staleMillis / 4)),
  );
  heartbeat.unref();
  try {
    return await body();
  } finally {
    clearInterval(heartbeat);
    // Only remove the lock if it is still ours (it may have been taken over as stale).
    if ((await readHolder(lockPath))?.token === me.token) await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, me: Holder, options: FileLockOptions): Promise<void> {
  const started = Date.now();
  let delay = 2;
  for (;;) {
    try {
      await writeFile(lockPath, JSON.stringify(me), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(lockPath);
    if (await isAbandoned(lockPath, holder, options.staleMillis)) {
      // Move it aside rather than deleting it: of several waiters only one rename succeeds.
      const aside = `${lockPath}.abandoned-${me.token}`;
      if (
        await rename(lockPath, aside).then(
          () => true,
          () => false,
        )
      )
        await rm(aside, { force: true });
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMillis) {
      const who = holder ? `process ${holder.pid} (thread ${holder.threadId})` : 'another process';
      throw new TransientError(
        `${lockPath} is held by ${who}; gave up after ${waited} ms. Another load or query is using the ` +
          'same file: retry when it finishes, or raise lockTimeoutMillis.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as Holder;
  } catch {
    return undefined; // gone, or being written right now
  }
}

async function isAbandoned(
  lockPath: string,
  holder: Holder | undefined,
  staleMillis: number,
): Promise<boolean> {
  if (holder && holder.pid !== process.pid && !processAlive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMillis;
  } catch {
    return false; // released meanwhile: just try again
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
