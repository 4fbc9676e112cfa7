// `npm run package`: builds the one archive every cloud function is deployed from, and regenerates
// the terraform files that come from the code.
//
//   node scripts/package.ts                          # dist/function-source.zip
//   node scripts/package.ts --entry examples/top-users.ts   # also compile a user job module
//   node scripts/package.ts --out /tmp/fn.zip --skip-generate
//   node scripts/package.ts --terraform-only         # only terraform/datastore-indexes.tf.json
//
// The archive holds the compiled functions, src and built-in jobs (only what the entry points
// reach: no tests, no TypeScript), a package.json whose main is functions/index.js and whose
// dependencies are the root dependencies the compiled code imports, and the root package-lock.json
// pruned to them (scripts/package/lockfile.ts), so `npm ci` in Cloud Build installs the tested
// versions and nothing the functions do not load.
// It is byte-for-byte reproducible (sorted entries, fixed timestamps and modes), and terraform
// names the uploaded object after its sha256, so only a real change redeploys the functions.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DATASTORE_INDEXES } from '../src/adapters/gcp/indexes.ts';
import { compile, DEFAULT_ENTRIES } from './package/compile.ts';
import { importedPackages, pruneLockfile, type Lockfile } from './package/lockfile.ts';
import { functionDependencies, functionPackage, type RootPackage } from './package/manifest.ts';
import { INDEXES_FILE, writeIndexesFile } from './package/terraform-indexes.ts';
import { zip, type ZipEntry } from './package/zip.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_OUT = join(ROOT, 'dist', 'function-source.zip');

export interface PackageResult {
  archive: string;
  sha256: string;
  bytes: number;
  files: string[];
}

export async function buildPackage(
  out: string,
  extraEntries: readonly string[] = [],
): Promise<PackageResult> {
  if (!out.endsWith('.zip')) throw new Error(`--out must name a .zip file, got ${out}`);
  const stage = join(dirname(out), basename(out, '.zip'));
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });

  for (const entry of extraEntries) {
    const path = resolve(ROOT, entry);
    if (relative(ROOT, path).startsWith('..'))
      throw new Error(
        `--entry ${entry} is outside the repository (${ROOT}); job modules must live inside it`,
      );
  }
  await compile(ROOT, stage, [...DEFAULT_ENTRIES, ...extraEntries]);

  const compiled = await listFiles(stage);
  const imported = new Set<string>();
  for (const file of compiled.filter((f) => f.endsWith('.js')))
    for (const name of importedPackages(await readFile(join(stage, file), 'utf8'))) imported.add(name);
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as RootPackage;
  const dependencies = functionDependencies(root, [...imported]);
  const pkg = functionPackage(root, dependencies);
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  const pruned = pruneLockfile(lock, dependencies, {
    ...(root.license ? { license: root.license } : {}),
    ...(root.engines ? { engines: root.engines } : {}),
  });
  await writeFile(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(join(stage, 'package-lock.json'), `${JSON.stringify(pruned, null, 2)}\n`);

  const files = await listFiles(stage);
  const entries: ZipEntry[] = await Promise.all(
    files.map(async (name) => ({ name, data: await readFile(join(stage, name)) })),
  );
  const archive = zip(entries);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, archive);
  return {
    archive: out,
    sha256: createHash('sha256').update(archive).digest('hex'),
    bytes: archive.length,
    files,
  };
}

/** Every file under dir, as sorted forward-slash paths relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      entry: { type: 'string', multiple: true },
      'skip-generate': { type: 'boolean' },
      'terraform-only': { type: 'boolean' },
    },
  });
  if (!values['skip-generate']) {
    const changed = await writeIndexesFile(DATASTORE_INDEXES, ROOT);
    console.log(`${INDEXES_FILE}: ${changed ? 'regenerated from DATASTORE_INDEXES' : 'up to date'}`);
  }
  if (values['terraform-only']) return;

  const started = Date.now();
  const result = await buildPackage(resolve(values.out ?? DEFAULT_OUT), values.entry ?? []);
  const shown = relative(process.cwd(), result.archive);
  console.log(
    `${shown.startsWith('..') ? result.archive : shown}: ${result.files.length} files, ` +
      `${result.bytes} bytes, built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`sha256 ${result.sha256}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
