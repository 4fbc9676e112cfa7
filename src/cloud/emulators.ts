// Starts the official Pub/Sub and Firestore-in-Datastore-mode emulators: for a test run
// (scripts/run-tests.ts) and for the emulated cloud of `cloudreduce dev`.
//
// Each emulator is a `gcloud` wrapper that forks a Java server. Killing the wrapper leaves the Java
// child running (and holding its port), so each one is spawned `detached` as the leader of its own
// process group and always stopped by signalling the whole group: on stop(), on a failed start, on
// SIGINT/SIGTERM/SIGHUP and when this process exits. When this process is SIGKILLed, which no
// handler sees, a watchdog in each group kills it (WITH_WATCHDOG).

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Emulators {
  /** host:port, the value for PUBSUB_EMULATOR_HOST. */
  pubsubHost: string;
  /** host:port, the value for DATASTORE_EMULATOR_HOST. */
  datastoreHost: string;
  projectId: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  projectId?: string;
  /** How long one emulator may take to answer on its port. */
  readyTimeoutMillis?: number;
}

const INSTALL_HINT =
  'Install the Google Cloud CLI with its emulator components and a Java runtime (>= 17), e.g. on Debian: ' +
  'apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator ' +
  'openjdk-17-jre-headless';

/**
 * The signals that stop the emulators with this process. SIGHUP is the terminal closing: the
 * emulators lead process groups of their own, so they do not get it themselves.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Running {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: boolean;
}

export async function startEmulators(options: StartOptions = {}): Promise<Emulators> {
  checkPrerequisites();
  const projectId = options.projectId ?? 'cloudreduce-test';
  const readyTimeoutMillis = options.readyTimeoutMillis ?? 90_000;
  const logDir = mkdtempSync(join(tmpdir(), 'cloudreduce-emulators-'));
  const running: Running[] = [];

  const killAllNow = (): void => {
    for (const r of running) signalGroup(r, 'SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killAllNow();
    process.exit(128 + constants.signals[signal]); // as the shell reports a death by signal
  };
  process.on('exit', killAllNow);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(running.map((r) => stopGroup(r)));
    process.off('exit', killAllNow);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    rmSync(logDir, { recursive: true, force: true });
  };

  try {
    const [pubsubPort, datastorePort] = [await freePort(), await freePort()];
    const pubsubHost = `127.0.0.1:${pubsubPort}`;
    const datastoreHost = `127.0.0.1:${datastorePort}`;
    const pubsub = launch('pubsub', logDir, [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=${pubsubHost}`,
      `--project=${projectId}`,
    ]);
    running.push(pubsub);
    const datastore = launch('firestore', logDir, [
      'emulators',
      'firestore',
      'start',
      '--database-mode=datastore-mode',
      `--host-port=${datastoreHost}`,
      `--project=${projectId}`,
    ]);
    running.push(datastore);
    await Promise.all([
      waitReady(pubsub, pubsubHost, readyTimeoutMillis),
      waitReady(datastore, datastoreHost, readyTimeoutMillis),
    ]);
    return { pubsubHost, datastoreHost, projectId, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function checkPrerequisites(): void {
  const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  if (gcloud.error || gcloud.status !== 0) {
    throw new Error(`Cannot run the emulators: 'gcloud' was not found on PATH. ${INSTALL_HINT}`);
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new Error(
      `Cannot run the emulators: 'java' was not found on PATH (they are Java servers). ${INSTALL_HINT}`,
    );
  }
}

/**
 * Runs `gcloud "$@"` with a watchdog that kills its process group when this process dies, even by
 * SIGKILL, which no handler sees: a background subshell reads a pipe from this process (stdin,
 * moved to fd 3) until it closes, as the kernel closes it whenever this process dies, and then kills
 * its own group. `exec` leaves the gcloud wrapper as the group's leader and as the spawned child,
 * so `exited` and the group are still the emulator's.
 */
const WITH_WATCHDOG = 'exec 3<&0; (cat <&3 >/dev/null; kill -KILL 0) & exec gcloud "$@" </dev/null 3<&-';

function launch(name: string, logDir: string, args: string[]): Running {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  // Output goes to a file, not a pipe: an unread pipe would block the emulator once it fills.
  // stdin is a pipe from this process that the watchdog (WITH_WATCHDOG) reads.
  const child = spawn('/bin/sh', ['-c', WITH_WATCHDOG, 'gcloud', ...args], {
    detached: true,
    stdio: ['pipe', fd, fd],
  });
  closeSync(fd);
  const r: Running = { name, child, logFile, exited: false };
  child.on('exit', () => {
    r.exited = true;
  });
  return r;
}

async function waitReady(r: Running, host: string, timeoutMillis: number): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    if (r.exited) {
      throw new Error(`The ${r.name} emulator exited before it was ready.\n${logTail(r)}`);
    }
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(
    `The ${r.name} emulator did not answer on ${host} within ${timeoutMillis} ms.\n${logTail(r)}`,
  );
}

function logTail(r: Running): string {
  try {
    const lines = readFileSync(r.logFile, 'utf8').trimEnd().split('\n');
    return `Last lines of its log:\n${lines.slice(-20).join('\n')}`;
  } catch {
    return '(no log)';
  }
}

function signalGroup(r: Running, signal: NodeJS.Signals | 0): boolean {
  if (r.child.pid === undefined) return false;
  try {
    process.kill(-r.child.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the whole group is gone
  }
}

async function stopGroup(r: Running): Promise<void> {
  if (!signalGroup(r, 'SIGTERM')) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (!signalGroup(r, 0)) return;
    await sleep(100);
  }
  signalGroup(r, 'SIGKILL');
}

/** A free TCP port on the loopback interface (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
