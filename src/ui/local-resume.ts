// Resume from the status pages: the same `cloudreduce resume RUN` as on the command line, started
// as a child process so the server stays responsive while the run goes on. Its output goes to
// <data dir>/logs/resume-<run>.log. Stopping the ui stops the resumes it started.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// src/ui/ in this repository, dist/src/ui/ in the installed package: bin/ is at the package root.
const BIN = [
  new URL('../../bin/cloudreduce.js', import.meta.url),
  new URL('../../../bin/cloudreduce.js', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

export class LocalResumer {
  readonly #children = new Map<string, ChildProcess>();
  readonly #dataDir: string;
  readonly #jobModules: readonly string[];
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(dataDir: string, jobModules: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
    this.#dataDir = dataDir;
    this.#jobModules = jobModules;
    this.#cwd = cwd;
    this.#env = env;
  }

  /** Starts the resume; resolves to the sentence shown on the run's page. */
  resume(runId: string): Promise<string> {
    const running = this.#children.get(runId);
    if (running && running.exitCode === null)
      return Promise.resolve(`Run ${runId} is being resumed already (process ${running.pid}).`);
    const dir = join(this.#dataDir, 'logs');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, `resume-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
    const fd = openSync(log, 'a');
    const args = [
      '--disable-warning=ExperimentalWarning',
      BIN,
      'resume',
      runId,
      '--data-dir',
      this.#dataDir,
      ...this.#jobModules.flatMap((m) => ['--jobs', m]),
    ];
    const child = spawn(process.execPath, args, {
      cwd: this.#cwd,
      env: this.#env,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.#children.set(runId, child);
    child.once('exit', () => {
      if (this.#children.get(runId) === child) this.#children.delete(runId);
    });
    return Promise.resolve(`Resuming run ${runId} (process ${child.pid}); its output goes to ${log}.`);
  }

  /** Stops the resumes still running (they can be resumed again). */
  async close(): Promise<void> {
    const exits = [...this.#children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGINT');
        }),
    );
    await Promise.all(exits);
  }
}
