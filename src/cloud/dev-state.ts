// How `submit` and `status` find a running `cloudreduce dev`: it writes its endpoints and the
// function environment to <data-dir>/dev.json, and removes the file when it stops. A file whose
// process is gone (killed with -9) is reported as stale rather than trusted.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { parseCloudConfig, type CloudConfig } from './config.ts';

export interface DevState {
  pid: number;
  startedAt: string;
  /** The functions' environment: parseCloudConfig(env) is the dev cloud's config. */
  env: Record<string, string>;
  /** Function name → base URL. */
  functions: Record<string, string>;
  gcsEndpoint: string;
  bigqueryEndpoint: string;
}

export function devStatePath(dataDir: string): string {
  return join(dataDir, 'dev.json');
}

export function writeDevState(dataDir: string, state: DevState): string {
  const path = devStatePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
  return path;
}

export function removeDevState(dataDir: string, pid = process.pid): void {
  const path = devStatePath(dataDir);
  // Only the dev process that wrote it removes it (a second `dev` may have replaced it).
  if (existsSync(path) && readState(path)?.pid === pid) rmSync(path, { force: true });
}

export function hasDevState(dataDir: string): boolean {
  return existsSync(devStatePath(dataDir));
}

/** The running dev cloud's state and config; a ConfigError saying how to start one otherwise. */
/**
 * The running dev cloud recorded in dataDir, or a ConfigError saying how to start one. `otherwise`
 * ends that error with the command's alternative to the dev cloud.
 */
export function readDevState(
  dataDir: string,
  otherwise = 'target a real project with --project PROJECT_ID',
): { state: DevState; config: CloudConfig } {
  const path = devStatePath(dataDir);
  if (!existsSync(path)) {
    throw new ConfigError(
      `No dev cloud is running here (${path} does not exist). Start one with \`cloudreduce dev\` ` +
        `in another terminal, or ${otherwise}.`,
    );
  }
  const state = readState(path);
  if (!state)
    throw new ConfigError(
      `${path} is not a dev cloud state file; delete it and restart \`cloudreduce dev\`.`,
    );
  if (!alive(state.pid)) {
    throw new ConfigError(
      `The dev cloud recorded in ${path} (pid ${state.pid}) is no longer running. ` +
        'Start it again with `cloudreduce dev` (the emulators keep no data between runs).',
    );
  }
  return { state, config: parseCloudConfig(state.env) };
}

function readState(path: string): DevState | undefined {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevState>;
    return typeof state.pid === 'number' && typeof state.env === 'object' ? (state as DevState) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
