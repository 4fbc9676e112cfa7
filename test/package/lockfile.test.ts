// Pruning the project's lockfile to the archive's externals, and reading install paths from it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  installPathOf,
  isNative,
  packageName,
  pruneLockfile,
  resolveFrom,
  type Lockfile,
} from '../../src/package/lockfile.ts';

const LOCK: Lockfile = {
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', dependencies: { a: '^1', big: '^1' }, devDependencies: { lint: '^1' } },
    'node_modules/a': {
      version: '1.0.0',
      dependencies: { b: '^2', '@s/c': '^1' },
      optionalDependencies: { gone: '1' },
    },
    'node_modules/a/node_modules/b': {
      version: '2.0.0',
      peerDependencies: { a: '*', p: '*' },
      peerDependenciesMeta: { p: { optional: true } },
    },
    'node_modules/b': { version: '1.0.0' },
    'node_modules/@s/c': { version: '1.0.0' },
    'node_modules/big': { version: '1.0.0', optionalDependencies: { 'big-darwin': '1' } },
    'node_modules/lint': { version: '1.0.0', dev: true },
    'node_modules/db': { version: '1.0.0', dependencies: { 'db-bindings': '1' } },
    'node_modules/db-bindings': { version: '1.0.0', optionalDependencies: { 'db-bindings-linux': '1' } },
    'node_modules/db-bindings-linux': { version: '1.0.0', os: ['linux'], cpu: ['x64'], optional: true },
    'node_modules/gyp': { version: '1.0.0', hasInstallScript: true },
  },
};

describe('resolveFrom', () => {
  for (const [from, name, expected] of [
    ['', 'a', 'node_modules/a'],
    ['node_modules/a', 'b', 'node_modules/a/node_modules/b'],
    ['node_modules/a/node_modules/b', 'a', 'node_modules/a'],
    ['node_modules/@s/c', 'b', 'node_modules/b'],
    ['', 'missing', undefined],
  ] as const) {
    test(`${name} from "${from}" is ${expected ?? 'not installed'}`, () => {
      assert.equal(resolveFrom(LOCK.packages, from, name), expected);
    });
  }
});

describe('pruneLockfile', () => {
  test('keeps the closure of the kept dependencies, nested copies included, in the original order', () => {
    const pruned = pruneLockfile(LOCK, { a: '1.0.0' }, { license: 'MIT' });
    assert.deepEqual(Object.keys(pruned.packages), [
      '',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/@s/c',
    ]);
    assert.deepEqual(pruned.packages[''], {
      name: 'app',
      version: '1.0.0',
      license: 'MIT',
      dependencies: { a: '1.0.0' },
    });
    assert.equal(pruned.name, 'app');
  });

  test("the root entry takes the archive's name and version when given", () => {
    const pruned = pruneLockfile(LOCK, { a: '1.0.0' }, { name: 'app-functions', version: '2.0.0' });
    assert.deepEqual([pruned.name, pruned.version], ['app-functions', '2.0.0']);
    assert.deepEqual(pruned.packages['']!.name, 'app-functions');
  });

  test('a missing optional dependency or optional peer is fine; a missing required one says how to fix it', () => {
    const broken: Lockfile = { ...LOCK, packages: { ...LOCK.packages } };
    delete broken.packages['node_modules/@s/c'];
    assert.throws(
      () => pruneLockfile(broken, { a: '^1' }),
      /no entry for @s\/c \(needed by node_modules\/a\); run `npm install` to repair/,
    );
  });

  test("the repository's lockfile prunes to the Google Cloud packages without DuckDB or dev tools", async () => {
    const lock = JSON.parse(
      await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8'),
    ) as Lockfile;
    const pruned = pruneLockfile(lock, {
      '@google-cloud/functions-framework': String(
        lock.packages['node_modules/@google-cloud/functions-framework']!.version,
      ),
      '@google-cloud/storage': String(lock.packages['node_modules/@google-cloud/storage']!.version),
    });
    const paths = Object.keys(pruned.packages);
    assert.ok(paths.includes('node_modules/@google-cloud/storage'));
    assert.ok(
      !paths.some((p) => p.includes('@duckdb') || p.endsWith('/typescript') || p.endsWith('/eslint')),
    );
    assert.ok(
      paths.every((p) => p === '' || pruned.packages[p]!.dev !== true),
      'no dev-only package is kept',
    );
  });
});

describe('install paths and package names', () => {
  for (const [file, expected] of [
    ['jobs/x.ts', ''],
    ['../shared/x.ts', ''],
    ['node_modules/a/index.js', 'node_modules/a'],
    ['node_modules/@s/c/lib/x.js', 'node_modules/@s/c'],
    ['node_modules/a/node_modules/b/x.js', 'node_modules/a/node_modules/b'],
    ['node_modules/cloudreduce/dist/src/index.js', 'node_modules/cloudreduce'],
  ] as const) {
    test(`${file} belongs to "${expected}"`, () => assert.equal(installPathOf(file), expected));
  }
  for (const [spec, expected] of [
    ['a', 'a'],
    ['a/deep/x.js', 'a'],
    ['@s/c', '@s/c'],
    ['@s/c/x', '@s/c'],
  ] as const) {
    test(`import '${spec}' is package ${expected}`, () => assert.equal(packageName(spec), expected));
  }
});

describe('isNative', () => {
  test('a package is native when it or anything it needs has an install script or per-platform builds', () => {
    assert.equal(isNative(LOCK.packages, 'node_modules/gyp'), true, 'install script');
    assert.equal(isNative(LOCK.packages, 'node_modules/db-bindings'), true, 'optional platform package');
    assert.equal(isNative(LOCK.packages, 'node_modules/db'), true, 'through a dependency');
    assert.equal(isNative(LOCK.packages, 'node_modules/a'), false);
  });

  test("in the repository's lockfile @duckdb/node-api is native and the Google clients are not", async () => {
    const lock = JSON.parse(
      await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8'),
    ) as Lockfile;
    assert.equal(isNative(lock.packages, 'node_modules/@duckdb/node-api'), true);
    assert.equal(isNative(lock.packages, 'node_modules/@google-cloud/storage'), false);
  });
});
