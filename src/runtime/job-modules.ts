// Finding jobs: the built-in ones (jobs/), plus user modules named with --jobs, the
// CLOUDREDUCE_JOBS environment variable (comma-separated) or "cloudreduce": {"jobs": [...]} in the
// working directory's package.json. A module's exported jobs (default or named) are registered.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.ts';
import type { Job } from '../core/job.ts';
import { JobRegistry } from '../core/registry.ts';
import { checkModuleType, importFailure } from './module-type.ts';

// Compiled output (dist/) has .js files where the source has .ts.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** The built-in jobs' module, as registry entries name it. */
export const BUILT_INS = new URL(`../../jobs/index${EXT}`, import.meta.url).href;

/**
 * Imports a job module by URL. The built-ins are imported by a literal path (tsc rewrites its
 * extension, and a bundler such as `cloudreduce package`'s esbuild follows it into the archive),
 * so they load wherever this file ends up; user modules are imported by URL.
 */
export async function importJobModule(module: string): Promise<Record<string, unknown>> {
  if (module === BUILT_INS) return (await import('../../jobs/index.ts')) as Record<string, unknown>;
  return (await import(module)) as Record<string, unknown>;
}

export function isJob(value: unknown): value is Job {
  const v = value as Partial<Job> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    Array.isArray(v.stages) &&
    typeof v.params === 'object'
  );
}

/** Module specifiers (file URLs) of the user's job modules, from flags, env and package.json. */
export function userJobModules(flags: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  const specs = [...flags, ...(env.CLOUDREDUCE_JOBS ? env.CLOUDREDUCE_JOBS.split(',') : [])];
  const pkgPath = resolve(cwd, 'package.json');
  if (existsSync(pkgPath)) {
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { cloudreduce?: { jobs?: unknown } };
    const listed = pkg.cloudreduce?.jobs;
    if (Array.isArray(listed)) specs.push(...listed.filter((s): s is string => typeof s === 'string'));
  }
  const urls = specs
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => toModuleUrl(s, cwd));
  return [...new Set(urls)]; // a module named twice (flag and package.json) is loaded once
}

export function toModuleUrl(spec: string, cwd: string): string {
  if (spec.startsWith('file:')) return spec;
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(path))
    throw new ConfigError(
      `Job module ${spec} not found (looked for ${path}). Check the path given to --jobs.`,
    );
  return pathToFileURL(path).href;
}

export async function loadJobs(userModules: readonly string[] = []): Promise<JobRegistry> {
  const registry = new JobRegistry();
  for (const module of userModules) checkModuleType(module);
  for (const module of [BUILT_INS, ...userModules]) {
    let exports: Record<string, unknown>;
    try {
      exports = await importJobModule(module);
    } catch (err) {
      throw new ConfigError(importFailure(module, err), { cause: err });
    }
    const jobs = Object.values(exports).filter(isJob);
    if (jobs.length === 0 && module !== BUILT_INS) {
      throw new ConfigError(
        `Job module ${module} exports no job. Export the result of defineJob(...), e.g. \`export default defineJob({...})\`.`,
      );
    }
    // Built-in jobs have no module: workers and functions always load them.
    for (const job of jobs) registry.register(job, module === BUILT_INS ? undefined : module);
  }
  return registry;
}
