// One function served by a real functions-framework process, the way Cloud Run functions serves
// it: `functions-framework --target=NAME --source=functions/index.ts`, on its own port. Used by
// `cloudreduce dev`, the end-to-end test and the cloud benchmark.
//
// Each process is spawned detached, as the leader of its own process group, and stopped by
// signalling the group; groups still alive when this process exits are SIGKILLed, so neither a
// failed test nor Ctrl-C leaves servers holding ports, and each exits by itself when this process
// is SIGKILLed (EXIT_WITH_PARENT).

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The deployable source: every function registered in one module, `--target` picks (.js in dist/). */
export const FUNCTIONS_SOURCE = fileURLToPath(
  new URL(`../../functions/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

export interface FunctionProcessOptions {
  name: string;
  port: number;
  /** The function's environment (CloudConfig variables); added to this process's environment. */
  env: Record<string, string>;
  cwd: string;
  source?: string;
  /** How functions-framework calls the target (CLOUD_FUNCTIONS' signature); default cloudevent. */
  signature?: 'cloudevent' | 'http';
  /** Every line the function writes (its JSON logs on stdout, framework errors on stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readyTimeoutMillis?: number;
}

/**
 * Preloaded into each function process: it exits when its stdin, a pipe from this process, closes.
 * The kernel closes the pipe whenever this process dies, also by SIGKILL, which the exit hook below
 * never sees; without this, the functions would keep running, holding their ports.
 */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();",
)}`;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

/** The framework's CLI (its `bin`): main.js beside the package entry, which is all `exports` allows resolving. */
function frameworkMain(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
}

export class FunctionProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly #options: FunctionProcessOptions;
  #child: ChildProcess | undefined;
  #exited = true;
  #tail: string[] = [];

  constructor(options: FunctionProcessOptions) {
    this.#options = options;
    this.name = options.name;
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
  }

  get pid(): number | undefined {
    return this.#exited ? undefined : this.#child?.pid;
  }

  async start(): Promise<void> {
    if (!this.#exited) return;
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const child of live) killGroup(child, 'SIGKILL');
      });
    }
    const o = this.#options;
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        `--import=${EXIT_WITH_PARENT}`,
        frameworkMain(),
        `--target=${o.name}`,
        `--port=${o.port}`,
        `--source=${o.source ?? FUNCTIONS_SOURCE}`,
        `--signature-type=${o.signature ?? 'cloudevent'}`,
      ],
      {
        cwd: o.cwd,
        detached: true,
        // No K_SERVICE/FUNCTION_TARGET here: google-auth-library takes them to mean "on Google Cloud"
        // and asks the metadata server for a token, which fails off-cloud even for fake endpoints.
        env: { ...process.env, ...o.env },
        stdio: ['pipe', 'pipe', 'pipe'], // stdin: for EXIT_WITH_PARENT, never written
      },
    );
    this.#child = child;
    this.#exited = false;
    live.add(child);
    child.on('exit', () => {
      live.delete(child);
      if (this.#child === child) this.#exited = true;
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      // Always read both pipes: an unread pipe blocks the function once it fills.
      createInterface({ input: child[stream]! }).on('line', (line) => {
        this.#tail.push(line);
        if (this.#tail.length > 40) this.#tail.shift();
        o.onLine?.(line, stream);
      });
    }
    await this.#waitReady(o.readyTimeoutMillis ?? 30_000);
  }

  /** Kills the process at once, as a crashed or preempted instance would die (no cleanup). */
  kill(): void {
    if (this.#child && !this.#exited) killGroup(this.#child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || this.#exited) return;
    killGroup(child, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && killGroup(child, 0)) await sleep(50);
    killGroup(child, 'SIGKILL');
    while (!this.#exited && killGroup(child, 0)) await sleep(20);
    this.#exited = true;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async #waitReady(timeoutMillis: number): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    while (Date.now() < deadline) {
      if (this.#exited) break;
      // Listening is enough: a TCP connect, not an HTTP request, which an event function would
      // log as a crash (a GET has no CloudEvent in it). functions-framework's "Serving function..."
      // line is no signal: it is printed only when NODE_ENV is not production.
      if ((await canConnect(this.port, 1000)) && !this.#exited) return;
      await sleep(100);
    }
    const why = this.#exited ? 'exited before it was ready' : `did not answer within ${timeoutMillis} ms`;
    await this.stop();
    throw new Error(
      `Function ${this.name} (functions-framework on port ${this.port}) ${why}. Last output:\n` +
        this.#tail.join('\n'),
    );
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port; closes at once, sending nothing. */
function canConnect(port: number, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMillis, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
