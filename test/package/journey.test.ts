// The whole journey of a new user, played from an empty folder of their own: `npm install` of the
// packed package, `npx cloudreduce init`, the scaffolded job's own test, `cloudreduce run` and
// `query`, `cloudreduce package` and the archive installed as Cloud Build installs it (every entry
// point loads and answers a push), the scaffolded terraform (parsed, fmt-clean, calling the module
// that was installed), and the project's own tsc. Every install comes from the npm cache that
// `npm ci` filled (--prefer-offline). The steps' times are printed at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { moduleCall, runTerraform } from '../terraform/helpers.ts';
import { installArchive, loadArchive, serveEveryFunction, zipEntries } from './archive.ts';
import { installInto, mustSucceed, packedTarball, run, type CommandResult, type Packed } from './packed.ts';

let root: string;
let project: string;
let packed: Packed;
const times: [string, number][] = [];

/** Runs a step of the journey, timing it; fails with its output when it exits non-zero. */
async function step(name: string, command: string, args: string[], cwd = project): Promise<CommandResult> {
  const result = mustSucceed(`${name} (${command} ${args.join(' ')})`, await run(command, args, cwd));
  times.push([name, result.millis]);
  return result;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudreduce-journey-'));
  project = join(root, 'my-analytics');
  await import('node:fs/promises').then((fs) => fs.mkdir(project));
  packed = await packedTarball();
  times.push(['npm pack (prepack builds dist/; shared by this run)', packed.packMillis]);
});

after(async () => {
  if (times.length)
    console.log(
      [
        `journey: tarball ${packed.files.length} files, ${packed.sizeBytes} bytes (${packed.unpackedBytes} unpacked)`,
        ...times.map(([name, ms]) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`),
      ].join('\n'),
    );
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a new project, from npm install to a deployable archive', () => {
  test('npm install of the tarball into an empty folder', async () => {
    const install = await installInto(project, packed, []);
    times.push(['npm install cloudreduce-*.tgz --prefer-offline', install.millis]);
    assert.ok(existsSync(join(project, 'node_modules/.bin/cloudreduce')));
  });

  test('npx cloudreduce init scaffolds the project and completes the package.json npm wrote', async () => {
    const r = await step('npx cloudreduce init', 'npx', ['cloudreduce', 'init']);
    assert.match(r.stdout, /wrote 8 files/);
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      type: string;
    };
    assert.match(pkg.dependencies.cloudreduce!, /^file:.*\.tgz$/, 'the installed dependency is kept');
    assert.equal(pkg.type, 'module');
    await step('npm install (the scaffold devDependencies)', 'npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ]);
  });

  test("the scaffolded job's own test passes (npm test: node --test with cloudreduce/testing)", async () => {
    const r = await step('npm test (the job test)', 'npm', ['test']);
    assert.match(r.stdout, /# pass 1\b/);
    assert.match(r.stdout, /# fail 0\b/);
  });

  test('npx cloudreduce run runs it on the sample input, and query reads its table', async () => {
    const r = await step('npx cloudreduce run page-views', 'npx', [
      'cloudreduce',
      'run',
      'page-views',
      '--input',
      'data/visits.ndjson',
    ]);
    assert.match(r.stdout, /^DONE page-views run/m);
    const q = await step('npx cloudreduce query', 'npx', [
      'cloudreduce',
      'query',
      'SELECT page, views, total_ms FROM page_views ORDER BY page',
      '--json',
    ]);
    assert.deepEqual(JSON.parse(q.stdout), [
      { page: '/docs', views: 2, total_ms: 9300 },
      { page: '/docs/jobs', views: 1, total_ms: 7200 },
      { page: '/home', views: 5, total_ms: 4650 },
      { page: '/pricing', views: 2, total_ms: 3600 },
    ]);
  });

  test("npx cloudreduce package bundles the project's job, reproducibly", async () => {
    const r = await step('npx cloudreduce package', 'npx', ['cloudreduce', 'package']);
    assert.match(r.stdout, /jobs\/page-views\.ts → app\/jobs\/page-views\.js \(page-views\)/);
    assert.match(r.stdout, /^ {2}cloudreduce@\S+ +\d/m, 'cloudreduce itself is bundled');
    const archive = join(project, 'build', 'function-source.zip');
    const files = zipEntries(archive);
    assert.ok(files.includes('app/jobs/page-views.js') && files.includes('index.js'), files.join(', '));
    const bytes = (await readFile(archive)).length;
    times.push([`(archive: ${files.length} files, ${bytes} bytes)`, 0]);
    const sha = /sha256 ([0-9a-f]{64})/.exec(r.stdout)?.[1];
    const again = await step('npx cloudreduce package (again)', 'npx', ['cloudreduce', 'package']);
    assert.equal(
      /sha256 ([0-9a-f]{64})/.exec(again.stdout)?.[1],
      sha,
      'the same project gives the same bytes',
    );
  });

  test('the archive installs with npm ci --omit=dev, and every entry point loads and answers a push', async () => {
    const app = join(root, 'deployed');
    const install = await installArchive(join(project, 'build', 'function-source.zip'), app);
    times.push(['npm ci --omit=dev --prefer-offline (the archive)', install.millis]);
    const started = Date.now();
    const loaded = await loadArchive(app, root);
    assert.ok(
      loaded.jobs.includes('page-views'),
      `the deployed functions know page-views: ${loaded.jobs.join(', ')}`,
    );
    times.push([`load index.js (import: ${loaded.millis} ms) and list the jobs`, Date.now() - started]);
    const served = Date.now();
    await serveEveryFunction(app);
    times.push(['functions-framework: every --target answers a push', Date.now() - served]);
  });

  test('the scaffolded terraform parses, is fmt-clean and calls the installed module with arguments it declares', async () => {
    const main = join(project, 'infra', 'main.tf');
    const call = await moduleCall(main);
    const moduleDir = join(project, 'infra', String(call.source));
    assert.ok(existsSync(join(moduleDir, 'variables.tf')), `the module is installed at ${moduleDir}`);
    const variables = (await parse(
      'variables.tf',
      await readFile(join(moduleDir, 'variables.tf'), 'utf8'),
    )) as {
      variable: Record<string, unknown>;
    };
    const unknown = Object.keys(call).filter((k) => k !== 'source' && !(k in variables.variable));
    assert.deepEqual(unknown, [], `arguments the installed module does not declare: ${unknown.join(', ')}`);
    const fmt = await runTerraform(['fmt', '-check', '-diff', '-recursive', 'infra'], project);
    assert.equal(fmt.code, 0, `${fmt.stdout}${fmt.stderr}`);
    const moduleFmt = await runTerraform(['fmt', '-check', '-recursive', moduleDir], project);
    assert.equal(moduleFmt.code, 0, `${moduleFmt.stdout}${moduleFmt.stderr}`);
  });

  test("the project's own tsc (strict, nodenext) passes", async () => {
    await step('npm run typecheck (tsc)', 'npm', ['run', 'typecheck']);
  });
});
