// The function archive's package-lock.json: the project's lockfile pruned to the packages the
// bundle leaves external and everything those packages need, so `npm ci` installs the exact
// versions the project was tested with, without its local-only dependencies (DuckDB, dev tools).
//
// Lockfile v3: `packages` maps install paths ("node_modules/a", "node_modules/a/node_modules/b")
// to entries; a dependency resolves like Node's lookup, from the nearest node_modules upwards.

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
 * `root` becomes the lock's root entry (its name and version, when given, the lock's). Throws when
 * a required package is missing from the lock.
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
  const name = typeof root.name === 'string' ? root.name : lock.name;
  const version = typeof root.version === 'string' ? root.version : lock.version;
  const packages: Lockfile['packages'] = {
    '': { ...root, name, version, dependencies: sortKeys(dependencies) },
  };
  // Keep the root lock's order (npm writes paths sorted), so the output is stable.
  for (const path of Object.keys(lock.packages)) if (keep.has(path)) packages[path] = lock.packages[path]!;
  return {
    name,
    version,
    lockfileVersion: lock.lockfileVersion,
    requires: true,
    packages,
  };
}

/** The install path ("node_modules/x", "node_modules/a/node_modules/x") of the package a file is in, '' outside node_modules. */
export function installPathOf(file: string): string {
  const parts = file.split('/');
  let cut = -1;
  for (let i = 0; i < parts.length; i++) if (parts[i] === 'node_modules') cut = i;
  if (cut === -1) return '';
  const width = parts[cut + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, cut + width).join('/');
}

/** The package name of a bare import specifier: 'x' of 'x/y', '@s/x' of '@s/x/y'. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Whether the package at `path` or anything it needs is native: built by an install script
 * (node-gyp), or shipped as per-platform packages (`os`/`cpu` fields, e.g. @duckdb's bindings).
 * A bundler cannot inline a `.node` binary, and the archive must install the right platform's.
 */
export function isNative(packages: Lockfile['packages'], path: string): boolean {
  const seen = new Set<string>();
  const queue = [path];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (seen.has(at)) continue;
    seen.add(at);
    const entry = packages[at];
    if (!entry) continue;
    if (entry.hasInstallScript === true || entry.gypfile === true || entry.os || entry.cpu) return true;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const next = resolveFrom(packages, at, dep);
      if (next) queue.push(next);
    }
  }
  return false;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
