// What the function archive weighs and how fast it loads, for each choice of what to bundle:
//   external      the default: @google-cloud/* installed by npm ci (src/package/externals.ts)
//   rest-bundled  the REST clients (@google-cloud/storage, @google-cloud/bigquery) bundled
//   all-bundled   every @google-cloud/* client bundled but functions-framework
// Each archive is built from this repository (plus examples/top-users.ts), unpacked in a temp
// folder, installed with `npm ci --omit=dev --prefer-offline`, and its index.js imported in N fresh
// Node processes (the cold start's module loading; no request is served). Results go to
// docs/benchmarks.md by hand.
//
//   npx node bench/function-archive.ts [--loads 5]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildFunctionArchive } from '../src/package/build.ts';

const ROOT = new URL('..', import.meta.url).pathname;
/** Every package name the repository's lockfile installs at the top level. */
function lockedNames(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages)
    .filter((p) => p.startsWith('node_modules/') && !p.slice(13).includes('/node_modules/'))
    .map((p) => p.slice('node_modules/'.length));
}

const REST = ['storage', 'bigquery', 'common', 'paginator', 'precise-date', 'projectify', 'promisify'];
const VARIANTS: Record<string, string[]> = {
  external: [],
  'rest-bundled': REST.map((n) => `@google-cloud/${n}`),
  // Everything but functions-framework (google-gax and protobufjs too, which have install scripts).
  'all-bundled': lockedNames().filter((n) => n !== '@google-cloud/functions-framework'),
};

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadOnce(app: string): { millis?: number; failure?: string } {
  const load = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t);',
      pathToFileURL(join(app, 'index.js')).href,
    ],
    { cwd: app, encoding: 'utf8' },
  );
  if (load.status !== 0)
    return { failure: (load.stderr.split('\n').find((l) => /Error/.test(l)) ?? load.stderr).trim() };
  return { millis: Number(load.stdout.trim()) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { loads: { type: 'string', default: '5' } } });
  const loads = Number(values.loads);
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-bench-archive-'));
  try {
    const results: Record<string, Record<string, unknown> & { times: number[]; failure?: string }> = {};
    for (const [name, inline] of Object.entries(VARIANTS)) {
      const out = join(dir, name, 'function-source.zip');
      const built = await buildFunctionArchive({
        projectDir: ROOT,
        jobModules: [pathToFileURL(join(ROOT, 'examples/top-users.ts')).href],
        out,
        inline,
      });
      const app = join(dir, name, 'app');
      spawnSync('unzip', ['-q', out, '-d', app]);
      const started = Date.now();
      const ci = spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: app,
        encoding: 'utf8',
      });
      if (ci.status !== 0) throw new Error(`npm ci failed for ${name}:\n${ci.stderr}`);
      results[name] = {
        app,
        archiveBytes: built.bytes,
        bundleBytes: built.files.filter((f) => f.name.endsWith('.js')).reduce((n, f) => n + f.bytes, 0),
        externals: built.externals.map((e) => e.name),
        installedPackages: built.installed,
        nodeModulesBytes: await bytesUnder(join(app, 'node_modules')),
        npmCiSeconds: (Date.now() - started) / 1000,
        times: [],
      };
    }
    // Interleaved rounds, so load from other work on the machine falls on every variant alike.
    for (let round = 0; round < loads; round++)
      for (const r of Object.values(results)) {
        if (r.failure) continue;
        const once = loadOnce(String(r.app));
        if (once.failure) r.failure = once.failure;
        else r.times.push(once.millis!);
      }
    for (const [variant, { app: _app, times, failure, ...r }] of Object.entries(results))
      console.log(
        JSON.stringify({
          variant,
          ...r,
          loadMillis: failure ? null : { median: Math.round(median(times)), all: times.map(Math.round) },
          ...(failure ? { failure } : {}),
        }),
      );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
