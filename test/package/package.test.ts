// `npm run package` builds an archive that deploys: unpacked in an empty directory, with nothing
// but `npm ci --omit=dev` (what Cloud Build runs), it loads every function entry point under
// functions-framework, and each one answers a Pub/Sub push. The install reaches the npm registry
// once per run; without network this test fails and says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES, type CloudFunction } from '../../src/cloud/functions.ts';
import { REPO } from '../terraform/helpers.ts';

let dir: string;
let archive: string;
let app: string;
let built: { stdout: string; files: string[] };
// A second build of the same tree, started early so it overlaps the npm install.
let second: Promise<Run & { archive: string }>;

interface Run {
  code: number;
  output: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env = process.env,
  timeoutMillis = 300_000,
) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

const buildPackage = (out: string) =>
  run(process.execPath, [join(REPO, 'scripts/package.ts'), '--out', out, '--skip-generate'], REPO);

/** npm as `npm test` runs it (npm_execpath), else the npm on PATH. */
function npm(args: string[], cwd: string): Promise<Run> {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? run(process.execPath, [cli, ...args], cwd) : run('npm', args, cwd);
}

/** The environment of a fresh function: no cloudreduce configuration, no emulators. */
function bareEnv(): NodeJS.ProcessEnv {
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

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-package-'));
  archive = join(dir, 'a', 'function-source.zip');
  const result = await buildPackage(archive);
  assert.equal(result.code, 0, `node scripts/package.ts failed:\n${result.output}`);
  const unzip = spawnSync('unzip', ['-Z1', archive], { encoding: 'utf8' });
  if (unzip.error)
    throw new Error(`unzip not found (${unzip.error.message}): install it (apt-get install unzip)`);
  built = { stdout: result.output, files: unzip.stdout.split('\n').filter(Boolean) };
  const again = join(dir, 'b', 'function-source.zip');
  second = buildPackage(again).then((r) => ({ ...r, archive: again }));
  second.catch(() => undefined); // awaited (and reported) by its test
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run package', () => {
  test('prints the sha256 of the archive it wrote', async () => {
    const sha = createHash('sha256')
      .update(await readFile(archive))
      .digest('hex');
    assert.match(built.stdout, new RegExp(`sha256 ${sha}`), built.stdout);
  });

  test('holds compiled JavaScript for every function and the built-in jobs, and nothing else', () => {
    for (const file of ['package.json', 'package-lock.json', 'functions/index.js', 'jobs/index.js'])
      assert.ok(built.files.includes(file), `${file} is in the archive`);
    for (const { module } of CLOUD_FUNCTIONS)
      assert.ok(
        built.files.includes(`functions/${module}/index.js`),
        `functions/${module}/index.js is in the archive`,
      );
    const stray = built.files.filter(
      (f) => !/^(functions|src|jobs)\/.+\.js$/.test(f) && !['package.json', 'package-lock.json'].includes(f),
    );
    assert.deepEqual(stray, [], 'only compiled functions, src and jobs besides the manifests');
    assert.deepEqual(
      built.files.filter((f) => f.startsWith('test/') || f.includes('/cli/')),
      [],
      'no tests, no CLI',
    );
  });
});

describe('the unpacked archive', () => {
  before(async () => {
    app = join(dir, 'app');
    const unzip = spawnSync('unzip', ['-q', archive, '-d', app], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, `unzip failed: ${unzip.stderr}`);
    const install = await npm(['ci', '--omit=dev', '--no-audit', '--no-fund'], app);
    assert.equal(
      install.code,
      0,
      `npm ci --omit=dev failed in the unpacked archive (it needs the npm registry):\n${install.output}`,
    );
  });

  test('loads every entry point with functions-framework and knows the built-in jobs', async () => {
    const script = join(dir, 'load.mjs');
    await writeFile(
      script,
      [
        "import { createRequire } from 'node:module';",
        "import { pathToFileURL } from 'node:url';",
        'const app = process.argv[2];',
        'const url = (p) => pathToFileURL(`${app}/${p}`).href;',
        "const { FUNCTION_NAMES } = await import(url('functions/index.js'));",
        'const require = createRequire(`${app}/package.json`);',
        "const testing = await import(pathToFileURL(require.resolve('@google-cloud/functions-framework/testing')).href);",
        'const registered = FUNCTION_NAMES.filter((name) => typeof testing.getFunction(name) === "function");',
        "const { loadJobs } = await import(url('src/runtime/job-modules.js'));",
        'const jobs = (await loadJobs()).list().map((e) => e.job.name);',
        'console.log(JSON.stringify({ names: FUNCTION_NAMES, registered, jobs }));',
      ].join('\n'),
    );
    const result = await run(process.execPath, [script, app], app, bareEnv(), 60_000);
    assert.equal(result.code, 0, `loading the compiled functions failed:\n${result.output}`);
    const loaded = JSON.parse(result.output.trim().split('\n').at(-1)!) as Record<string, string[]>;
    assert.deepEqual(loaded.names, [...FUNCTION_NAMES]);
    assert.deepEqual(
      loaded.registered,
      [...FUNCTION_NAMES],
      'every name is registered with functions-framework',
    );
    assert.ok(
      loaded.jobs!.includes('wordcount'),
      `built-in jobs load from the archive: ${loaded.jobs!.join(', ')}`,
    );
  });

  test('functions-framework serves each --target and hands a push message to cloudreduce', async () => {
    const require = createRequire(join(app, 'package.json'));
    const cli = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
    await Promise.all(CLOUD_FUNCTIONS.map((f) => serveOnce(cli, f)));
  });
});

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
async function serveOnce(cli: string, { name, trigger, signature }: CloudFunction): Promise<void> {
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
    const deadline = Date.now() + 30_000;
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
    await new Promise((resolve) => setTimeout(resolve, 100));
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

describe('reproducibility', () => {
  test('building again from the same tree gives the same bytes (no redeploy without a change)', async () => {
    const result = await second;
    assert.equal(result.code, 0, result.output);
    assert.ok((await readFile(result.archive)).equals(await readFile(archive)), 'two builds differ');
  });
});
