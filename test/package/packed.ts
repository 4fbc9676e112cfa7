// The package as npm publishes it: `npm pack` of this repository (its prepack runs `npm run build`)
// and an `npm install` of the tarball into a fresh project, from the npm cache that `npm ci` filled.
//
// `npm pack` rebuilds dist/ in this repository, so two test files packing at once would race on
// it: every test file gets its tarball through `packedTarball()`, which packs under a file lock
// once per test run (all test files of a run are children of one `node --test` process) and hands
// the same tarball to the others.

import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withFileLock } from '../../src/adapters/local/file-lock.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Packed {
  tarball: string;
  /** Paths inside the package, as `npm pack --json` lists them. */
  files: string[];
  sizeBytes: number;
  unpackedBytes: number;
  packMillis: number;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  millis: number;
}

/** Runs a command to its end; Node 22 (the test's) first on PATH, as npm scripts and npx have it. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CommandResult> {
  const started = Date.now();
  // Without NODE_TEST_CONTEXT: with it, a `node --test` in the project would report to this runner.
  const { NODE_TEST_CONTEXT: _ctx, ...inherited } = process.env;
  const child = spawn(command, args, {
    cwd,
    env: { ...inherited, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, millis: Date.now() - started }));
  });
}

export function mustSucceed(what: string, r: CommandResult): CommandResult {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const PACK_PREFIX = 'cloudreduce-pack-';

/** The tarball of this test run (packed by the first caller, reused by the others). */
export async function packedTarball(): Promise<Packed> {
  await removeOrphans();
  const dir = join(tmpdir(), `${PACK_PREFIX}${process.ppid}`);
  await mkdir(dir, { recursive: true });
  const summary = join(dir, 'pack.json');
  return withFileLock(join(dir, 'lock'), { timeoutMillis: 15 * 60_000, staleMillis: 60_000 }, async () => {
    try {
      return JSON.parse(await readFile(summary, 'utf8')) as Packed;
    } catch {
      // not packed yet in this run
    }
    const r = mustSucceed('npm pack', await run('npm', ['pack', '--json', '--pack-destination', dir], ROOT));
    // prepack's own output comes first on stdout; the JSON report is the last thing printed.
    const [report] = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('\n[\n') + 1)) as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    }[];
    const packed: Packed = {
      tarball: join(dir, report!.filename),
      files: report!.files.map((f) => f.path),
      sizeBytes: report!.size,
      unpackedBytes: report!.unpackedSize,
      packMillis: r.millis,
    };
    await writeFile(summary, JSON.stringify(packed));
    return packed;
  });
}

/** Tarball folders of earlier test runs whose runner process is gone. */
async function removeOrphans(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(PACK_PREFIX)) continue;
    const pid = Number(name.slice(PACK_PREFIX.length));
    if (pid === process.ppid || (Number.isInteger(pid) && alive(pid))) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
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

/** A fresh project in a temp dir with the tarball (and `devDependencies`) installed. */
export async function installInto(
  project: string,
  packed: Packed,
  devDependencies: readonly string[],
): Promise<CommandResult> {
  return mustSucceed(
    'npm install',
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', packed.tarball, ...devDependencies],
      project,
    ),
  );
}

/** `name@version` of a package installed in this repository: in the npm cache after `npm ci`. */
export async function installedSpec(name: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return `${name}@${pkg.version}`;
}
