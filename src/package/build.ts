// `cloudreduce package`, the work: one archive every cloud function deploys from, built from the
// project's job modules and cloudreduce's functions entry.
//
//   index.js             the functions entry (functions-framework's `main`; `--target` picks one)
//   app/<module>.js      each job module, at its path in the project (outside it: app/_up/...)
//   chunks/*.js          code shared by them: cloudreduce, the jobs' own dependencies
//   package.json         the externals at their locked versions; cloudreduce.jobs = the app/ modules
//   package-lock.json    the project's lockfile pruned to the externals, for `npm ci`
//
// The bytes are reproducible (sorted entries, fixed timestamps, content-hashed chunks), and
// terraform names the uploaded object after its sha256, so only a real change redeploys.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';
import { loadJobs } from '../runtime/job-modules.ts';
import { bundle, type BundledPackage, type External } from './bundle.ts';
import { pruneLockfile, type Lockfile } from './lockfile.ts';
import { functionPackage, type ProjectPackage } from './manifest.ts';
import { cloudreduceSources } from './sources.ts';
import { zip } from './zip.ts';

export const DEFAULT_ARCHIVE = join('build', 'function-source.zip');

export interface PackageOptions {
  projectDir: string;
  /** The job modules, as file URLs (runtime/job-modules.ts userJobModules). */
  jobModules: readonly string[];
  /** Packages to install in the cloud instead of bundling, beyond the automatic ones. */
  external?: readonly string[];
  /** Archive path; default build/function-source.zip in the project. */
  out?: string;
}

export interface PackagedModule {
  /** As given, relative to the project when inside it. */
  source: string;
  /** Its path in the archive. */
  archived: string;
  jobs: string[];
}

export interface PackageResult {
  archive: string;
  sha256: string;
  bytes: number;
  cloudreduceVersion: string;
  functionsEntry: string;
  builtInJobs: string[];
  modules: PackagedModule[];
  externals: External[];
  /** Locked packages `npm ci` installs for the externals, themselves included. */
  installed: number;
  packages: BundledPackage[];
  files: { name: string; bytes: number }[];
  warnings: string[];
}

export async function buildFunctionArchive(options: PackageOptions): Promise<PackageResult> {
  const { projectDir } = options;
  const out = options.out ?? join(projectDir, DEFAULT_ARCHIVE);
  if (!out.endsWith('.zip')) throw new ConfigError(`--out must name a .zip file, got ${out}.`);
  const project = await readJson<ProjectPackage & { cloudreduce?: { external?: unknown } }>(
    join(projectDir, 'package.json'),
    `No package.json in ${projectDir}. Run \`cloudreduce package\` in your project's root folder ` +
      '(`cloudreduce init` creates a project).',
  );
  const lock = await readJson<Lockfile>(
    join(projectDir, 'package-lock.json'),
    `No package-lock.json in ${projectDir}: the archive installs the locked versions of what it ` +
      'does not bundle. Run `npm install` to create it.',
  );
  if (!(lock.lockfileVersion >= 2))
    throw new ConfigError(
      `package-lock.json is lockfile v${lock.lockfileVersion}; run npm >= 7 to upgrade it.`,
    );

  // Loading the modules here finds a broken one (or one that exports no job) before it is deployed.
  const registry = await loadJobs(options.jobModules);
  const modules = options.jobModules.map((url) => {
    const path = fileURLToPath(url);
    return {
      path,
      source: displayPath(projectDir, path),
      archived: `${archiveName(projectDir, path)}.js`,
      jobs: registry
        .list()
        .filter((e) => e.module === url)
        .map((e) => e.job.name),
    };
  });
  const builtInJobs = registry
    .list()
    .filter((e) => e.module === undefined) // built-in jobs register without a module
    .map((e) => e.job.name);

  const sources = cloudreduceSources();
  const listed = project.cloudreduce?.external;
  const requested = new Set([
    ...(options.external ?? []),
    ...(Array.isArray(listed) ? listed.filter((n): n is string => typeof n === 'string') : []),
  ]);
  const bundled = await bundle({
    projectDir,
    functionsEntry: sources.functionsEntry,
    aliases: sources.aliases,
    jobModules: modules.map((m) => ({ path: m.path, out: m.archived.slice(0, -'.js'.length) })),
    lock,
    requestedExternals: requested,
  });

  const dependencies = Object.fromEntries(bundled.externals.map((e) => [e.name, e.version]));
  const manifest = functionPackage(
    project,
    dependencies,
    modules.map((m) => m.archived),
  );
  const pruned = pruneLockfile(lock, dependencies, {
    name: manifest.name as string,
    version: manifest.version as string,
    ...(project.license ? { license: project.license } : {}),
  });
  const files = [
    ...bundled.files,
    { name: 'package.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'package-lock.json', data: Buffer.from(`${JSON.stringify(pruned, null, 2)}\n`) },
  ];
  const archive = zip(files);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, archive);
  return {
    archive: out,
    sha256: createHash('sha256').update(archive).digest('hex'),
    bytes: archive.length,
    cloudreduceVersion: sources.version,
    functionsEntry: displayPath(projectDir, sources.functionsEntry),
    builtInJobs,
    modules: modules.map(({ source, archived, jobs }) => ({ source, archived, jobs })),
    externals: bundled.externals,
    installed: Object.keys(pruned.packages).length - 1,
    packages: bundled.packages,
    files: files.map((f) => ({ name: f.name, bytes: f.data.byteLength })).sort(byName),
    warnings: bundled.warnings,
  };
}

/**
 * A job module's name in the archive, without extension: app/ + its path in the project, with each
 * `..` of a module outside it written `_up`, so names never collide and never carry the machine's
 * absolute paths (which would make the bytes differ between checkouts).
 */
export function archiveName(projectDir: string, path: string): string {
  const rel = relative(projectDir, path).split(sep);
  if (isAbsolute(rel.join('/')))
    throw new ConfigError(`Job module ${path} is on another drive than the project ${projectDir}.`);
  const parts = rel.map((p) => (p === '..' ? '_up' : p));
  const last = parts.pop()!;
  return ['app', ...parts, last.slice(0, last.length - extname(last).length)].join('/');
}

function displayPath(projectDir: string, path: string): string {
  const rel = relative(projectDir, path).split(sep).join('/');
  return rel.startsWith('../') && rel.split('/').filter((p) => p === '..').length > 2 ? path : rel;
}

async function readJson<T>(path: string, missing: string): Promise<T> {
  if (!existsSync(path)) throw new ConfigError(missing);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
