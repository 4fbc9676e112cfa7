// Which process is running a local run. The run record says RUNNING both while `cloudreduce run`
// works on it and after that process was killed (Ctrl-C, a crash, a closed terminal): the record
// alone cannot tell them apart. So the runtime that starts or resumes a run writes
// <data-dir>/owners/<runId>.json with its pid and host, and removes it when it closes; `status`
// reads it. A file whose process is gone (killed -9, so never removed) means nothing runs the run.

import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RunOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export type RunLiveness =
  | { state: 'held'; owner: RunOwner }
  | { state: 'interrupted'; owner?: RunOwner }
  /** Held by a process on another host (a shared data dir): its liveness cannot be checked here. */
  | { state: 'unknown'; owner: RunOwner };

function ownerPath(dataDir: string, runId: string): string {
  return join(resolve(dataDir), 'owners', `${runId}.json`);
}

export function holdRun(dataDir: string, runId: string): void {
  const path = ownerPath(dataDir, runId);
  mkdirSync(join(path, '..'), { recursive: true });
  const owner: RunOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(path, JSON.stringify(owner));
}

/** Removes the owner file if this process wrote it (a later `resume` may have taken the run over). */
export function releaseRun(dataDir: string, runId: string): void {
  const path = ownerPath(dataDir, runId);
  if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
}

export function runLiveness(dataDir: string, runId: string): RunLiveness {
  const owner = readOwner(ownerPath(dataDir, runId));
  if (!owner) return { state: 'interrupted' };
  if (owner.host !== hostname()) return { state: 'unknown', owner };
  return processAlive(owner.pid) ? { state: 'held', owner } : { state: 'interrupted', owner };
}

function readOwner(path: string): RunOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunOwner;
  } catch {
    return undefined;
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
