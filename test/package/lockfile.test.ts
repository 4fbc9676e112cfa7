// Pruning the root lockfile to what the functions import, and finding those imports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  importedPackages,
  pruneLockfile,
  resolveFrom,
  type Lockfile,
} from '../../scripts/package/lockfile.ts';
import { functionDependencies } from '../../scripts/package/manifest.ts';

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
    const pruned = pruneLockfile(LOCK, { a: '^1' }, { license: 'MIT' });
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
      dependencies: { a: '^1' },
    });
  });

  test('a missing optional dependency or optional peer is fine; a missing required one says how to fix it', () => {
    const broken: Lockfile = { ...LOCK, packages: { ...LOCK.packages } };
    delete broken.packages['node_modules/@s/c'];
    assert.throws(
      () => pruneLockfile(broken, { a: '^1' }),
      /no entry for @s\/c \(needed by node_modules\/a\); run `npm install` to repair/,
    );
  });

  test("the repository's lockfile prunes to the functions' dependencies without DuckDB or dev tools", async () => {
    const lock = JSON.parse(
      await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8'),
    ) as Lockfile;
    const root = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
      dependencies: Record<string, string>;
    };
    const deps = functionDependencies(root, ['@google-cloud/functions-framework', '@google-cloud/storage']);
    const pruned = pruneLockfile(lock, deps);
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

describe('importedPackages', () => {
  test('finds bare imports (static, side-effect, dynamic), not relative or built-in ones', () => {
    const source = [
      "import * as ff from '@google-cloud/functions-framework';",
      "import { Storage } from '@google-cloud/storage/build/esm/src/index.js';",
      "import './x.js';",
      "import 'side-effect';",
      "const m = await import('lazy');",
      "import { readFile } from 'node:fs/promises';",
      "import { join } from 'path';",
      "export { y } from '../y.js';",
    ].join('\n');
    assert.deepEqual(importedPackages(source), [
      '@google-cloud/functions-framework',
      '@google-cloud/storage',
      'lazy',
      'side-effect',
    ]);
  });

  test('an import that is not a declared dependency stops the build with the fix', () => {
    assert.throws(
      () => functionDependencies({ name: 'x', version: '1', dependencies: { a: '1' } }, ['a', 'prettier']),
      /import prettier, which is not in package.json "dependencies"/,
    );
  });
});
