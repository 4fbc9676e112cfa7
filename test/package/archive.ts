// Checking a function archive the way Cloud Build and Cloud Run use it: unpacked in an empty
// folder, installed with nothing but `npm ci --omit=dev` (from the npm cache `npm ci` filled, so no
// network is needed when it is warm), every entry point loaded under functions-framework and
// answering a Pub/Sub push. Shared by the repository's package test and the user journey.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES, type CloudFunction } from '../../src/cloud/functions.ts';

export interface Run {
  code: number;
  output: string;
  millis: number;
}

export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMillis = 300_000,
): Promise<Run> {
  const started = Date.now();
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output, millis: Date.now() - started });
    });
  });
}

/** npm as `npm test` runs it (npm_execpath), else the npm on PATH. */
export function npm(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Run> {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? run(process.execPath, [cli, ...args], cwd, env) : run('npm', args, cwd, env);
}

/** The environment of a fresh function: no cloudreduce configuration, no emulators. */
export function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(CLOUDREDUCE_|PUBSUB_|DATASTORE_|GOOGLE_CLOUD_PROJECT|STORAGE_EMULATOR|BIGQUERY_EMULATOR)/.test(key)
    )
      continue;
    env[key] = value;
  }
  return env;
}

/** The names of the files in a zip, or a thrown error that says to install unzip. */
export function zipEntries(archive: string): string[] {
  const unzip = spawnSync('unzip', ['-Z1', archive], { encoding: 'utf8' });
  if (unzip.error)
    throw new Error(`unzip not found (${unzip.error.message}): install it (apt-get install unzip)`);
  assert.equal(unzip.status, 0, `unzip -Z1 ${archive} failed: ${unzip.stderr}`);
  return unzip.stdout.split('\n').filter(Boolean);
}

/** Unpacks the archive into `app` and installs it as Cloud Build does; returns the install. */
export async function installArchive(archive: string, app: string): Promise<Run> {
  const unzip = spawnSync('unzip', ['-q', archive, '-d', app], { encoding: 'utf8' });
  assert.equal(unzip.status, 0, `unzip failed: ${unzip.stderr}`);
  const install = await npm(['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], app);
  assert.equal(
    install.code,
    0,
    `npm ci --omit=dev in the unpacked archive failed (it needs the npm cache or the registry):\n${install.output}`,
  );
  return install;
}

/**
 * Imports the archive's index.js in a fresh Node, as functions-framework does: the names it
 * registers and the jobs the deployed functions would know (built-ins + package.json jobs).
 */
export async function loadArchive(
  app: string,
  scratch: string,
): Promise<{ names: string[]; registered: string[]; jobs: string[]; millis: number }> {
  const script = join(scratch, 'load-archive.mjs');
  await writeFile(
    script,
    [
      "import { createRequire } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      'const app = process.argv[2];',
      'const started = performance.now();',
      'const entry = await import(pathToFileURL(`${app}/index.js`).href);',
      'const millis = Math.round(performance.now() - started);',
      'const require = createRequire(`${app}/package.json`);',
      "const testing = await import(pathToFileURL(require.resolve('@google-cloud/functions-framework/testing')).href);",
      'const registered = entry.FUNCTION_NAMES.filter((name) => typeof testing.getFunction(name) === "function");',
      'const jobs = (await entry.loadDeployedJobs([], app)).list().map((e) => e.job.name);',
      'console.log(JSON.stringify({ names: entry.FUNCTION_NAMES, registered, jobs, millis }));',
    ].join('\n'),
  );
  const result = await run(process.execPath, [script, app], app, bareEnv(), 120_000);
  assert.equal(result.code, 0, `loading the archive's index.js failed:\n${result.output}`);
  const loaded = JSON.parse(result.output.trim().split('\n').at(-1)!) as {
    names: string[];
    registered: string[];
    jobs: string[];
    millis: number;
  };
  assert.deepEqual(
    loaded.names,
    [...FUNCTION_NAMES],
    'the archive exports the entry points of this cloudreduce',
  );
  assert.deepEqual(
    loaded.registered,
    [...FUNCTION_NAMES],
    'every name is registered with functions-framework',
  );
  return loaded;
}

/** Serves every entry point of the unpacked, installed archive once (see serveOnce). */
export async function serveEveryFunction(app: string): Promise<void> {
  const require = createRequire(join(app, 'package.json'));
  const cli = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
  await Promise.all(CLOUD_FUNCTIONS.map((f) => serveOnce(cli, app, f)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `functions-framework --target=NAME` on the unpacked app and pushes one message (or, for
 * HTTP ingest, POSTs one record). With no configuration the cloudreduce wrapper must answer 500
 * ("cannot start", so Pub/Sub redelivers after a fix; ingest: 503) instead of the framework failing
 * to find or load the target.
 */
async function serveOnce(
  cli: string,
  app: string,
  { name, trigger, signature }: CloudFunction,
): Promise<void> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cli, `--target=${name}`, `--signature-type=${signature}`, `--port=${port}`, `--source=${app}`],
    { cwd: app, env: bareEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('Serving function')) {
      if (child.exitCode !== null || Date.now() > deadline)
        assert.fail(
          `functions-framework --target=${name} did not start (exit ${child.exitCode}):\n${output}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const body =
      trigger === 'http'
        ? [{ tid: 1, user: 'a', text: 'b', created_at: '2026-11-21T00:00:00Z', urls: [] }]
        : { subscription: `projects/p/subscriptions/${name}`, message: { data: 'e30=', messageId: '1' } };
    const path = trigger === 'http' ? '/?kind=Tweet' : `/projects/test-project/topics/${trigger}`;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.text();
    // The log line is written after the response; give the pipe a moment to deliver it.
    const logDeadline = Date.now() + 5_000;
    while (!output.includes(`${name} cannot start`) && Date.now() < logDeadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const expected = trigger === 'http' ? 503 : 500;
    assert.equal(
      response.status,
      expected,
      `${name}: expected the wrapper's ${expected}, output:\n${output}`,
    );
    assert.match(
      output,
      new RegExp(
        `${name} cannot start${trigger === 'http' ? '' : ', so the (message|event) will be redelivered'}`,
      ),
      output,
    );
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
