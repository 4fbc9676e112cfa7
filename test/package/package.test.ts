// `npm run package` in this repository goes through `cloudreduce package` and builds an archive
// that deploys: unpacked in an empty folder and installed with nothing but `npm ci --omit=dev`
// (what Cloud Build runs), it loads every function entry point under functions-framework, knows
// the built-in jobs and the bundled job module, and each entry point answers a Pub/Sub push.
// The install comes from the npm cache `npm ci` filled; with a cold cache it needs the registry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../terraform/helpers.ts';
import { installArchive, loadArchive, run, serveEveryFunction, zipEntries, type Run } from './archive.ts';

let dir: string;
let archive: string;
let built: { stdout: string; files: string[] };
// A second build of the same tree, started early so it overlaps the npm install.
let second: Promise<Run & { archive: string }>;

const buildPackage = (out: string) =>
  run(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      join(REPO, 'scripts/package.ts'),
      '--out',
      out,
      '--skip-generate',
      '--jobs',
      'examples/top-users.ts',
    ],
    REPO,
  );

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-package-'));
  archive = join(dir, 'a', 'function-source.zip');
  const result = await buildPackage(archive);
  assert.equal(result.code, 0, `node scripts/package.ts failed:\n${result.output}`);
  built = { stdout: result.output, files: zipEntries(archive) };
  const again = join(dir, 'b', 'function-source.zip');
  second = buildPackage(again).then((r) => ({ ...r, archive: again }));
  second.catch(() => undefined); // awaited (and reported) by its test
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run package', () => {
  test('prints the sha256 of the archive it wrote, and what went in', async () => {
    const sha = createHash('sha256')
      .update(await readFile(archive))
      .digest('hex');
    assert.match(built.stdout, new RegExp(`sha256 ${sha}`), built.stdout);
    assert.match(built.stdout, /examples\/top-users\.ts → app\/examples\/top-users\.js \(top-users\)/);
    assert.match(built.stdout, /@google-cloud\/functions-framework@\S+ +functions-framework serves/);
    assert.match(built.stdout, /built-in jobs: .*wordcount/);
  });

  test('holds the bundled entry, the job module, shared chunks and the two manifests, nothing else', () => {
    for (const file of ['package.json', 'package-lock.json', 'index.js', 'app/examples/top-users.js'])
      assert.ok(built.files.includes(file), `${file} is in the archive: ${built.files.join(', ')}`);
    const stray = built.files.filter(
      (f) =>
        !/^(chunks|app)\/.+\.js$/.test(f) && !['index.js', 'package.json', 'package-lock.json'].includes(f),
    );
    assert.deepEqual(stray, [], 'only bundled JavaScript besides the manifests');
    assert.ok(!built.files.some((f) => f.endsWith('.ts')), 'no TypeScript');
  });

  test("its package.json installs only what is not bundled, at the lockfile's versions, and lists the job module", async () => {
    const dest = join(dir, 'manifest');
    const { spawnSync } = await import('node:child_process');
    spawnSync('unzip', ['-q', archive, 'package.json', '-d', dest]);
    const pkg = JSON.parse(await readFile(join(dest, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
      cloudreduce: { jobs: string[] };
    };
    const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    assert.equal(pkg.main, 'index.js');
    assert.deepEqual(pkg.cloudreduce.jobs, ['app/examples/top-users.js']);
    assert.ok(Object.keys(pkg.dependencies).every((name) => name.startsWith('@google-cloud/')));
    for (const [name, version] of Object.entries(pkg.dependencies))
      assert.equal(version, lock.packages[`node_modules/${name}`]!.version, name);
    assert.ok('@google-cloud/functions-framework' in pkg.dependencies);
    assert.ok(!Object.keys(pkg.dependencies).some((n) => n.startsWith('@duckdb')), 'DuckDB is local only');
  });
});

describe('the unpacked archive', () => {
  let app: string;
  before(async () => {
    app = join(dir, 'app');
    await installArchive(archive, app);
  });

  test('loads every entry point with functions-framework and knows the built-in jobs and top-users', async () => {
    const loaded = await loadArchive(app, dir);
    for (const job of ['wordcount', 'tweet-analytics', 'top-users'])
      assert.ok(loaded.jobs.includes(job), `${job} is known in the archive: ${loaded.jobs.join(', ')}`);
  });

  test('functions-framework serves each --target and hands a push message to cloudreduce', async () => {
    await serveEveryFunction(app);
  });
});

describe('reproducibility', () => {
  test('building again from the same tree gives the same bytes (no redeploy without a change)', async () => {
    const result = await second;
    assert.equal(result.code, 0, result.output);
    assert.ok((await readFile(result.archive)).equals(await readFile(archive)), 'two builds differ');
  });
});
