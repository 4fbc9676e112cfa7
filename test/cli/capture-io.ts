// A CliIo that records what a command prints, for running `main` in-process.
import type { CliIo } from '../../src/cli/session.ts';

export interface CapturedIo extends CliIo {
  stdout: string[];
  stderr: string[];
}

export function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}, extra: Partial<CliIo> = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    env: { CLOUDREDUCE_LOG: 'warning', ...env },
    cwd,
    progressStream: process.stderr,
    ...extra,
  };
}
