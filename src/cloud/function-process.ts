// One function served by a real functions-framework process, the way Cloud Run functions serves
// it: `functions-framework --target=NAME --source=functions/index.ts`, on its own port. Used by
// `cloudreduce dev`, the end-to-end test and the cloud benchmark.
//
// A process that dies without being stopped (kill -9, out of memory, a crash) is started again on
// the same port after a backoff, as Cloud Run starts a new instance, with a line saying so; Pub/Sub
// redelivers what it was handling. Only stop() keeps a function down.
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
  /** First delay before starting a died process again; doubles per death in a row, up to 10 s. */
  restartBackoffMillis?: number;
}

const MAX_RESTART_BACKOFF_MILLIS = 10_000;
/** A process that served this long before dying starts the backoff over. */
const HEALTHY_MILLIS = 30_000;

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
  /** Between start() and stop(): a process that dies meanwhile is started again. */
  #wanted = false;
  /** Deaths in a row without a healthy run between them (the restart backoff's exponent). */
  #deaths = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** The process this object is stopping on purpose (its exit is no death). */
  #terminating: ChildProcess | undefined;
  /** How many times a died process was started again. */
  restarts = 0;

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
    this.#wanted = true;
    try {
      await this.#spawn();
    } catch (err) {
      this.#wanted = false;
      throw err;
    }
  }

  async #spawn(): Promise<void> {
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
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (this.#child !== child) return;
      this.#exited = true;
      if (this.#wanted && this.#terminating !== child) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.#scheduleRestart(how, Date.now() - startedAt);
      }
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

  /**
   * Kills the process at once (SIGKILL), as a crashed or preempted instance would die (no cleanup);
   * like any death, a new instance follows.
   */
  kill(): void {
    if (this.#child && !this.#exited) killGroup(this.#child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#restartTimer);
    await this.#terminate();
  }

  #scheduleRestart(how: string, livedMillis: number): void {
    if (livedMillis >= HEALTHY_MILLIS) this.#deaths = 0;
    const first = this.#options.restartBackoffMillis ?? 200;
    const delay = Math.min(MAX_RESTART_BACKOFF_MILLIS, first * 2 ** this.#deaths);
    this.#deaths++;
    this.#say(
      `[dev cloud] function ${this.name} ${how}; starting a new instance on port ${this.port} in ${delay} ms ` +
        '(as Cloud Run would; Pub/Sub redelivers what it was handling)',
    );
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (!this.#wanted || !this.#exited) return;
      this.#spawn().then(
        () => {
          this.restarts++;
          this.#say(`[dev cloud] function ${this.name} restarted (pid ${this.pid})`);
        },
        (err: unknown) =>
          this.#scheduleRestart(`did not start again (${(err as Error).message.split('\n')[0]})`, 0),
      );
    }, delay);
    this.#restartTimer.unref();
  }

  /** A line of the dev cloud's own about this function, where the function's stderr goes. */
  #say(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > 40) this.#tail.shift();
    this.#options.onLine?.(line, 'stderr');
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (!child || this.#exited) return;
    this.#terminating = child;
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
    await this.#terminate();
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
