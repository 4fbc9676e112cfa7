// `cloudreduce init`: writes the files it explains, never overwrites one, completes an existing
// package.json without losing anything of the user's, and its terraform calls our module with
// arguments the module declares. (test/package/journey.test.ts installs and runs the result.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/session.ts';
import { mergePackageJson, SCRIPTS } from '../../src/init/package-json.ts';
import { packageName, SCAFFOLD_FILES } from '../../src/init/scaffold.ts';
import { loadConfig, moduleCall, REPO, runTerraform } from '../terraform/helpers.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudreduce-init-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    env: {},
    cwd,
    progressStream: process.stderr,
  };
  const code = await main(args, io);
  return { code, out, err };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe('cloudreduce init', () => {
  test('writes exactly the files its --help explains, into a new folder', async () => {
    const result = await cli(['init', 'shop'], root);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(await filesUnder(join(root, 'shop')), SCAFFOLD_FILES.map((f) => f.path).sort());
    const help = await cli(['init', '--help'], root);
    for (const f of SCAFFOLD_FILES) assert.ok(help.out.includes(f.path), `--help explains ${f.path}`);
    const readme = await readFile(join(root, 'shop', 'README.md'), 'utf8');
    for (const f of SCAFFOLD_FILES)
      assert.ok(readme.includes(`\`${f.path}\``), `README.md explains ${f.path}`);
  });

  test('every template file is scaffolded (none is shipped and forgotten)', async () => {
    const templates = await filesUnder(join(REPO, 'templates', 'init'));
    assert.deepEqual(templates, SCAFFOLD_FILES.flatMap((f) => (f.template ? [f.template] : [])).sort());
  });

  test('its package.json depends on this cloudreduce, is an ES module project and lists the example job', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'shop', 'package.json'), 'utf8')) as Record<
      string,
      never
    >;
    const own = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(pkg.name, 'shop');
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.dependencies, { cloudreduce: `^${own.version}` });
    assert.deepEqual(pkg.scripts, SCRIPTS);
    assert.deepEqual(pkg.cloudreduce, { jobs: ['jobs/page-views.ts'] });
  });

  test('refuses to overwrite, names every file in the way, and writes nothing', async () => {
    const dir = join(root, 'busy');
    await mkdir(join(dir, 'jobs'), { recursive: true });
    await writeFile(join(dir, 'README.md'), 'mine\n');
    await writeFile(join(dir, 'jobs', 'page-views.ts'), 'mine\n');
    const result = await cli(['init', 'busy'], root);
    assert.equal(result.code, 2);
    assert.match(
      result.err,
      /would overwrite 2 files in .*busy: jobs\/page-views\.ts, README\.md\. Nothing was written/,
    );
    assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), 'mine\n');
    assert.ok(!existsSync(join(dir, 'package.json')) && !existsSync(join(dir, 'tsconfig.json')));
  });

  test('completes the package.json of `npm install cloudreduce`, keeping its dependency and scripts', async () => {
    const dir = join(root, 'installed');
    await mkdir(dir);
    const theirs = {
      dependencies: { cloudreduce: 'file:../cloudreduce-0.1.0.tgz' },
      scripts: { test: 'vitest' },
    };
    await writeFile(join(dir, 'package.json'), JSON.stringify(theirs));
    const result = await cli(['init'], dir);
    assert.equal(result.code, 0, result.err);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    assert.equal(pkg.dependencies!.cloudreduce, 'file:../cloudreduce-0.1.0.tgz');
    assert.equal(pkg.scripts!.test, 'vitest');
    assert.equal(pkg.scripts!.package, 'cloudreduce package');
    assert.equal(pkg.type as unknown, 'module');
    assert.match(result.out, /kept your scripts\.test \("vitest"\)/);
  });

  test('refuses a CommonJS project instead of switching its type', () => {
    assert.throws(
      () =>
        mergePackageJson(
          { type: 'commonjs' },
          { name: 'x', cloudreduceVersion: '1.0.0', devDependencies: {} },
        ),
      /"type": "commonjs", but job modules are ES modules/,
    );
  });

  for (const [folder, expected] of [
    ['My Shop', 'my-shop'],
    ['shop', 'shop'],
    ['_tmp', 'tmp'],
    ['!!!', 'cloudreduce-app'],
  ] as const)
    test(`folder "${folder}" gives package name "${expected}"`, () =>
      assert.equal(packageName(folder), expected));
});

describe("the scaffold's terraform", () => {
  test('calls the module from node_modules/cloudreduce/terraform with arguments it declares', async () => {
    const call = await moduleCall(join(REPO, 'templates', 'init', 'infra', 'main.tf'));
    assert.equal(call.source, '../node_modules/cloudreduce/terraform');
    const { config } = await loadConfig();
    const unknown = Object.keys(call).filter((k) => k !== 'source' && !(k in config.variable));
    assert.deepEqual(unknown, [], `arguments the module does not declare: ${unknown.join(', ')}`);
    assert.equal(call.source_archive, '${path.root}/../build/function-source.zip');
  });

  test('is formatted the way terraform fmt wants it', async () => {
    const result = await runTerraform(['fmt', '-check', '-diff', 'templates/init/infra'], REPO);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  });
});
