// The bundling step of `cloudreduce package`: esbuild follows the real imports (static, dynamic
// with a literal path, `require`) from cloudreduce's functions entry and the user's job modules,
// and writes ES modules for Node 22 with code splitting, so every job module and the functions
// share one copy of cloudreduce (its job and reader/writer registries are module state). Packages
// that must be installed instead (externals.ts) stay `import`s; the rest is inlined.
//
// Output is in memory (the zip is built from it) and reproducible: paths in esbuild's comments
// are relative to the project directory, chunk names are content hashes.

import { builtinModules } from 'node:module';
import { relative, sep } from 'node:path';
import type { Message, Metafile, Plugin } from 'esbuild';
import { ConfigError } from '../core/errors.ts';
import { externalReason, type ExternalReason } from './externals.ts';
import { installPathOf, packageName, resolveFrom, type Lockfile } from './lockfile.ts';

export interface BundleInput {
  projectDir: string;
  /** cloudreduce's functions entry (it registers every entry point with functions-framework). */
  functionsEntry: string;
  /** Bare specifiers mapped to files: 'cloudreduce' → the running cloudreduce's own index. */
  aliases: Readonly<Record<string, string>>;
  /** User job modules: absolute path and output name without extension ('app/jobs/x'). */
  jobModules: readonly { path: string; out: string }[];
  lock: Lockfile;
  requestedExternals: ReadonlySet<string>;
}

export interface External {
  name: string;
  /** Install path in the project's lockfile. */
  lockPath: string;
  version: string;
  reason: ExternalReason;
  /** Files importing it, relative to the project. */
  importers: string[];
}

export interface BundledPackage {
  /** 'name' for a package under node_modules, '' for the project's own files. */
  name: string;
  version?: string;
  bytes: number;
}

export interface BundleOutput {
  files: { name: string; data: Uint8Array }[];
  externals: External[];
  packages: BundledPackage[];
  warnings: string[];
}

const BUILTINS = new Set(builtinModules);

// CommonJS packages inlined into ES modules still call require() for Node's built-ins.
const REQUIRE_SHIM =
  "import { createRequire as __cloudreduceCreateRequire } from 'node:module';\n" +
  'const require = __cloudreduceCreateRequire(import.meta.url);';

/** The directory output paths are relative to; nothing is written there. */
const OUT_DIR = '.cloudreduce-package';

export async function bundle(input: BundleInput): Promise<BundleOutput> {
  const esbuild = await import('esbuild');
  const externals = new Map<string, External>();
  const toProject = (path: string) => relative(input.projectDir, path).split(sep).join('/');

  const plugin: Plugin = {
    name: 'cloudreduce-externals',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path.split('/')[0]!)) return undefined;
        const alias = input.aliases[args.path];
        if (alias) return { path: alias };
        const name = packageName(args.path);
        const importer = toProject(args.importer);
        const from = installPathOf(importer);
        const lockPath =
          resolveFrom(input.lock.packages, from, name) ?? resolveFrom(input.lock.packages, '', name);
        const reason = externalReason(name, lockPath, input.lock, input.requestedExternals);
        if (!reason) return undefined;
        if (lockPath === undefined)
          return {
            errors: [
              {
                text:
                  `${name} must be installed in the cloud (${reason}), but package-lock.json has no entry for it. ` +
                  `Run \`npm install ${name}\` in ${input.projectDir}.`,
              },
            ],
          };
        const known = externals.get(name);
        if (known && known.lockPath !== lockPath)
          return {
            errors: [
              {
                text:
                  `Two copies of ${name} are imported (${known.lockPath} by ${known.importers[0]}, ${lockPath} by ${importer}); ` +
                  `the archive installs one. Make them one version (\`npm ls ${name}\` shows who needs which).`,
              },
            ],
          };
        const entry = known ?? {
          name,
          lockPath,
          version: String(input.lock.packages[lockPath]?.version ?? ''),
          reason,
          importers: [],
        };
        if (!entry.importers.includes(importer)) entry.importers.push(importer);
        externals.set(name, entry);
        return { path: args.path, external: true };
      });
    },
  };

  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: input.projectDir,
      entryPoints: [
        { in: input.functionsEntry, out: 'index' },
        ...input.jobModules.map((m) => ({ in: m.path, out: m.out })),
      ],
      outdir: OUT_DIR,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      chunkNames: 'chunks/[name]-[hash]',
      // Errors are recognised by name across process boundaries (core/errors.ts): keep class names.
      keepNames: true,
      banner: { js: REQUIRE_SHIM },
      charset: 'utf8',
      metafile: true,
      write: false,
      logLevel: 'silent',
      plugins: [plugin],
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors) throw err;
    throw new ConfigError(
      `Bundling the functions failed:\n${errors.map((e) => `  ${formatMessage(e)}`).join('\n')}\n` +
        'Fix the import, or install the package in the cloud instead of bundling it with --external NAME.',
    );
  }

  const outRoot = `${input.projectDir}${sep}${OUT_DIR}${sep}`;
  const files = result.outputFiles.map((f) => ({
    name: f.path.slice(outRoot.length).split(sep).join('/'),
    data: f.contents,
  }));
  return {
    files: files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    externals: [...externals.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    packages: bundledPackages(result.metafile, input.lock),
    warnings: result.warnings.map(formatMessage),
  };
}

/** Bytes of the output coming from each package (the project's own files under ''). */
function bundledPackages(metafile: Metafile, lock: Lockfile): BundledPackage[] {
  const byPath = new Map<string, number>();
  for (const output of Object.values(metafile.outputs))
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const path = installPathOf(file);
      byPath.set(path, (byPath.get(path) ?? 0) + bytesInOutput);
    }
  return [...byPath]
    .filter(([, bytes]) => bytes > 0)
    .map(([path, bytes]) => {
      const name = path === '' ? '' : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const version = lock.packages[path]?.version;
      return { name, bytes, ...(typeof version === 'string' ? { version } : {}) };
    })
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

function formatMessage(message: Message): string {
  const where = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column}: `
    : '';
  return `${where}${message.text}`;
}
