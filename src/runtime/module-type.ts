// Job modules are ES modules (import/export). Node decides how to load a .ts or .js file from the
// nearest package.json: with "type": "commonjs" an `import` is a syntax error, and with no "type"
// Node warns and parses the file twice, in every process and worker thread. So a project that
// lacks "type": "module" hears from us what to add, instead of Node's warning or syntax error.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';

/** The package.json that decides how Node loads the file at `path`, and its "type" field. */
export function governingPackage(path: string): { pkgPath: string; type: unknown } | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const pkgPath = join(dir, 'package.json');
    if (existsSync(pkgPath)) {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { type?: unknown };
      return { pkgPath, type: pkg.type };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** What to add when Node would not load `moduleUrl` as an ES module; undefined when it would. */
export function moduleTypeProblem(moduleUrl: string): string | undefined {
  if (!moduleUrl.startsWith('file:')) return undefined;
  const path = fileURLToPath(moduleUrl);
  if (!['.ts', '.js'].includes(extname(path))) return undefined; // .mts/.mjs are ES modules, .cts/.cjs not meant to be
  const pkg = governingPackage(path);
  if (!pkg || pkg.type === 'module') return undefined; // no package.json: Node detects the syntax silently
  return (
    `Job module ${path} must be loaded as an ES module, but ${pkg.pkgPath} ` +
    (pkg.type === undefined ? 'has no "type" field' : `says "type": ${JSON.stringify(pkg.type)}`) +
    `. Add "type": "module" to ${pkg.pkgPath} (or name the file ${path.replace(/\.(ts|js)$/, '.m$1')}).`
  );
}

/**
 * Refuses a TypeScript job module that Node would not load as an ES module. (A .js one may be
 * CommonJS on purpose; if Node then fails on its `import`, `importFailure` explains.)
 */
export function checkModuleType(moduleUrl: string): void {
  if (!moduleUrl.endsWith('.ts')) return;
  const problem = moduleTypeProblem(moduleUrl);
  if (problem) throw new ConfigError(problem);
}

/** The message for a job module whose import failed: ours when Node took an ES module for CommonJS. */
export function importFailure(moduleUrl: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const esmAsCommonJs =
    err instanceof SyntaxError && /Cannot use import statement|Unexpected token 'export'/.test(message);
  return (
    (esmAsCommonJs ? moduleTypeProblem(moduleUrl) : undefined) ??
    `Could not load job module ${moduleUrl}: ${message}`
  );
}
