// Which packages the function archive installs (`npm ci` in Cloud Build) instead of bundling.
// Everything else, cloudreduce itself and the project's own dependencies included, is bundled.
//
//   runtime       @google-cloud/functions-framework starts the function (package.json `main`) and
//                 keeps the registry the entry points register with: one installed copy.
//   google-cloud  Google's client libraries read files installed beside their code at run time
//                 (google-gax loads .proto files from its own folder); bundled, the Datastore and
//                 Pub/Sub clients fail at load with `__dirname is not defined`. Measured in
//                 docs/benchmarks.md ("Function archive"): bundling only the REST clients saves
//                 13 MB of node_modules and no load time, so all of @google-cloud/* stays out.
//   native        the package or something it needs ships a compiled binary (an install script,
//                 or per-platform packages with `os`/`cpu`, like @duckdb's bindings): no bundler
//                 inlines a `.node` file, and Cloud Build installs the one for its platform.
//   requested     named with --external or "cloudreduce": {"external": [...]} in package.json, for a
//                 dependency that, like google-gax, reads its own files at run time.

import { isNative, type Lockfile } from './lockfile.ts';

export type ExternalReason = 'runtime' | 'google-cloud' | 'native' | 'requested';

export const EXTERNAL_REASONS: Record<ExternalReason, string> = {
  runtime: 'functions-framework serves the entry points',
  'google-cloud': 'Google client library: reads its own files at run time',
  native: 'native code, installed for the platform',
  requested: '--external / package.json cloudreduce.external',
};

export const FUNCTIONS_FRAMEWORK = '@google-cloud/functions-framework';

export function externalReason(
  name: string,
  lockPath: string | undefined,
  lock: Lockfile,
  requested: ReadonlySet<string>,
): ExternalReason | undefined {
  if (name === FUNCTIONS_FRAMEWORK) return 'runtime';
  if (requested.has(name)) return 'requested';
  if (name.startsWith('@google-cloud/')) return 'google-cloud';
  if (lockPath !== undefined && isNative(lock.packages, lockPath)) return 'native';
  return undefined;
}
