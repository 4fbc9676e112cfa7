// Runs the real `cloudreduce` binary in a child process (the Node 22 running the tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/cloudreduce.js', import.meta.url));
export const FIXTURE_JOBS = fileURLToPath(new URL('../fixtures/jobs.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
    cwd,
    env: { ...process.env, CLOUDREDUCE_LOG: 'warning', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const child = startCli(args, cwd, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
