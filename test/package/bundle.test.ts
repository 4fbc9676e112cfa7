// What `cloudreduce package` puts in the archive, on a small project built in a temp folder: its
// own dependencies bundled (found by following imports, not by scanning text), native and Google
// packages left to npm ci at the lockfile's versions, a job module outside the project accepted,
// and the same project in another folder giving the same bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFunctionArchive, type PackageResult } from '../../src/package/build.ts';
import type { Lockfile } from '../../src/package/lockfile.ts';
import { REPO } from '../terraform/helpers.ts';
import { zipEntries } from './archive.ts';
import { packedTarball } from './packed.ts';

const JOB = (name: string, imports: string) => `${imports}
import { defineJob, input, output } from 'cloudreduce';
// Text that looks like an import is not one: ${'from'} 'data.parquet'.
const SQL = "SELECT * FROM 'data.parquet'";
export default defineJob({
  name: '${name}',
  description: SQL,
  params: {},
  input: input.text(),
  map(line: string, emit) { emit(line, 1); },
  reduce(key: string, _values, emit) { emit({ key }); },
  outputs: { out: output.ndjson('${name}') },
});
`;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** A project at ROOT/project with jobs/inside.ts, and ROOT/shared/outside.ts beside it. */
async function makeProject(root: string): Promise<string> {
  const project = join(root, 'project');
  const repoLock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;
  const lock: Lockfile = {
    ...repoLock,
    name: 'demo',
    version: '1.2.3',
    packages: {
      ...repoLock.packages,
      '': { name: 'demo', version: '1.2.3', dependencies: { pure: '^1', nat: '^1' } },
      'node_modules/pure': { version: '1.0.0', dependencies: { 'pure-dep': '^2' } },
      'node_modules/pure-dep': { version: '2.0.0' },
      'node_modules/nat': { version: '3.0.0', hasInstallScript: true },
    },
  };
  await write(join(project, 'package-lock.json'), JSON.stringify(lock));
  await write(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'demo',
      version: '1.2.3',
      type: 'module',
      cloudreduce: { jobs: ['jobs/inside.ts'] },
    }),
  );
  await write(
    join(project, 'node_modules/pure/package.json'),
    JSON.stringify({ name: 'pure', version: '1.0.0', main: 'index.js' }),
  );
  await write(
    join(project, 'node_modules/pure/index.js'),
    "const dep = require('pure-dep'); exports.shout = (s) => dep.up(s) + '!';",
  );
  await write(
    join(project, 'node_modules/pure-dep/package.json'),
    JSON.stringify({ name: 'pure-dep', version: '2.0.0', main: 'index.js' }),
  );
  await write(join(project, 'node_modules/pure-dep/index.js'), 'exports.up = (s) => s.toUpperCase();');
  await write(
    join(project, 'node_modules/nat/package.json'),
    JSON.stringify({ name: 'nat', version: '3.0.0', type: 'module', main: 'index.js' }),
  );
  await write(join(project, 'node_modules/nat/index.js'), 'export const native = true;');
  await write(
    join(project, 'jobs/inside.ts'),
    JOB('inside', "import pure from 'pure';\nimport { native } from 'nat';\nvoid pure.shout, void native;"),
  );
  await write(join(root, 'shared/outside.ts'), JOB('outside', ''));
  // Both job modules import 'cloudreduce' by name, as in a user's project.
  await mkdir(join(root, 'node_modules'), { recursive: true });
  await symlink(REPO, join(root, 'node_modules', 'cloudreduce'), 'dir');
  return project;
}

let dirs: string[] = [];
let first: PackageResult;
let project: string;

before(async () => {
  // The fixture resolves 'cloudreduce' to this repository's dist/, which `npm pack` (another test
  // file of the same run) rebuilds: wait for the run's one pack, so dist/ stays put while we bundle.
  await packedTarball();
  const root = await mkdtemp(join(tmpdir(), 'cloudreduce-bundle-'));
  dirs.push(root);
  project = await makeProject(root);
  first = await buildFunctionArchive({
    projectDir: project,
    jobModules: [
      pathToFileURL(join(project, 'jobs/inside.ts')).href,
      pathToFileURL(join(root, 'shared/outside.ts')).href,
    ],
  });
});

after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

describe('cloudreduce package on a project', () => {
  test('writes build/function-source.zip in the project by default', () => {
    assert.equal(first.archive, join(project, 'build', 'function-source.zip'));
  });

  test('names each job module and its jobs; a module outside the project goes under app/_up/', () => {
    assert.deepEqual(first.modules, [
      { source: 'jobs/inside.ts', archived: 'app/jobs/inside.js', jobs: ['inside'] },
      { source: '../shared/outside.ts', archived: 'app/_up/shared/outside.js', jobs: ['outside'] },
    ]);
    const files = zipEntries(first.archive);
    for (const file of ['index.js', 'app/jobs/inside.js', 'app/_up/shared/outside.js'])
      assert.ok(files.includes(file), `${file} in ${files.join(', ')}`);
  });

  test('bundles a pure JavaScript dependency and what it requires; leaves native and Google packages to npm ci', () => {
    const bundled = first.packages.map((p) => `${p.name}@${p.version ?? ''}`);
    assert.ok(bundled.includes('pure@1.0.0'), bundled.join(', '));
    assert.ok(bundled.includes('pure-dep@2.0.0'), 'a require() inside a dependency is followed');
    const externals = Object.fromEntries(first.externals.map((e) => [e.name, e.reason]));
    assert.equal(externals.nat, 'native');
    assert.equal(externals['@google-cloud/functions-framework'], 'runtime');
    assert.equal(externals['@google-cloud/storage'], 'google-cloud');
    assert.ok(!('pure' in externals) && !('data.parquet' in externals), JSON.stringify(externals));
  });

  test('the manifest pins the externals to the locked versions and the pruned lock holds only their closure', async () => {
    const dest = join(dirname(first.archive), 'unzipped');
    const { spawnSync } = await import('node:child_process');
    spawnSync('unzip', ['-q', first.archive, 'package.json', 'package-lock.json', '-d', dest]);
    const pkg = JSON.parse(await readFile(join(dest, 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
      cloudreduce: { jobs: string[] };
    };
    const lock = JSON.parse(await readFile(join(dest, 'package-lock.json'), 'utf8')) as Lockfile;
    assert.equal(pkg.name, 'demo-functions');
    assert.equal(pkg.dependencies.nat, '3.0.0');
    assert.deepEqual(pkg.cloudreduce.jobs, ['app/jobs/inside.js', 'app/_up/shared/outside.js']);
    assert.deepEqual(lock.packages['']!.dependencies, pkg.dependencies);
    assert.equal(lock.packages['']!.name, 'demo-functions');
    assert.ok(lock.packages['node_modules/nat'], 'the native package is locked');
    assert.ok(!lock.packages['node_modules/pure'], 'a bundled package is not installed');
  });

  test('the same project in another folder gives the same bytes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cloudreduce-bundle-'));
    dirs.push(root);
    const again = await makeProject(root);
    const second = await buildFunctionArchive({
      projectDir: again,
      jobModules: [
        pathToFileURL(join(again, 'jobs/inside.ts')).href,
        pathToFileURL(join(root, 'shared/outside.ts')).href,
      ],
    });
    assert.equal(second.sha256, first.sha256);
  });

  test('a project folder given with a trailing slash gives the same archive', async () => {
    const again = await buildFunctionArchive({
      projectDir: `${project}/`,
      jobModules: [
        pathToFileURL(join(project, 'jobs/inside.ts')).href,
        pathToFileURL(join(dirname(project), 'shared/outside.ts')).href,
      ],
      out: join(dirname(project), 'slash.zip'),
    });
    assert.equal(again.sha256, first.sha256);
  });

  test('a project without package-lock.json is refused with the fix', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cloudreduce-bundle-'));
    dirs.push(root);
    await write(join(root, 'package.json'), JSON.stringify({ name: 'x', type: 'module' }));
    await assert.rejects(
      buildFunctionArchive({ projectDir: root, jobModules: [] }),
      /No package-lock.json in .*Run `npm install` to create it/,
    );
  });
});
