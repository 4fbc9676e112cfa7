// The function archive's package-lock.json: the root lockfile pruned to what the compiled
// functions import and everything those packages need, so `npm ci` installs the exact versions
// the repository was tested with, offline-derivable, without the local-only dependencies (DuckDB,
// the dev tools) and without the platform-specific optional packages the root lock lacks (which
// make `npm ci` refuse the root lock as "out of sync").
//
// Lockfile v3: `packages` maps install paths ("node_modules/a", "node_modules/a/node_modules/b")
// to entries; a dependency resolves like Node's lookup, from the nearest node_modules upwards.

import { builtinModules } from 'node:module';

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The install path `name` resolves to from the package at `from` ('' = the root), if any. */
export function resolveFrom(packages: Lockfile['packages'], from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

/**
 * The lockfile restricted to `dependencies` (name → range, as in package.json) and their closure.
 * `root` becomes the lock's root entry. Throws when a required package is missing from the lock.
 */
export function pruneLockfile(
  lock: Lockfile,
  dependencies: Record<string, string>,
  root: LockEntry = {},
): Lockfile {
  if (lock.lockfileVersion < 2)
    throw new Error(`package-lock.json is lockfile v${lock.lockfileVersion}; run npm >= 7 to upgrade it`);
  const keep = new Set<string>();
  const queue: { from: string; name: string; optional: boolean; via: string }[] = Object.keys(
    dependencies,
  ).map((name) => ({ from: '', name, optional: false, via: 'package.json' }));
  while (queue.length > 0) {
    const { from, name, optional, via } = queue.shift()!;
    const path = resolveFrom(lock.packages, from, name);
    if (!path) {
      if (optional) continue;
      throw new Error(
        `package-lock.json has no entry for ${name} (needed by ${via}); run \`npm install\` to repair the lockfile`,
      );
    }
    if (keep.has(path)) continue;
    keep.add(path);
    const entry = lock.packages[path]!;
    const optionalNames = new Set(Object.keys(entry.optionalDependencies ?? {}));
    for (const [dep, meta] of Object.entries(entry.peerDependenciesMeta ?? {}))
      if (meta.optional) optionalNames.add(dep);
    const needs = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    };
    for (const dep of Object.keys(needs))
      queue.push({ from: path, name: dep, optional: optionalNames.has(dep), via: path });
  }
  const packages: Lockfile['packages'] = {
    '': { name: lock.name, version: lock.version, ...root, dependencies: sortKeys(dependencies) },
  };
  // Keep the root lock's order (npm writes paths sorted), so the output is stable.
  for (const path of Object.keys(lock.packages)) if (keep.has(path)) packages[path] = lock.packages[path]!;
  return {
    name: lock.name,
    version: lock.version,
    lockfileVersion: lock.lockfileVersion,
    requires: true,
    packages,
  };
}

/** Package names imported by bare specifier in ES module source ('x', '@s/x', not 'node:' or relative). */
export function importedPackages(source: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const spec = match[1]!;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
      if (builtinModules.includes(spec.split('/')[0]!)) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
