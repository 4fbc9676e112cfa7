// The package.json `cloudreduce init` writes, or the completion of one that exists (made by
// `npm init` or `npm install cloudreduce`): missing fields are added, the user's own are kept and
// reported, and a "type" other than "module" is refused rather than changed (it would change how
// Node loads the project's existing .js files).

import { ConfigError } from '../core/errors.ts';

export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  cloudreduce?: { jobs?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ScaffoldPackage {
  name: string;
  cloudreduceVersion: string;
  devDependencies: Record<string, string>;
}

export const EXAMPLE_JOB_MODULE = 'jobs/page-views.ts';

export const SCRIPTS: Readonly<Record<string, string>> = {
  test: 'node --test "jobs/**/*.test.ts"',
  typecheck: 'tsc',
  'page-views': 'cloudreduce run page-views --input data/visits.ndjson',
  package: 'cloudreduce package',
};

export function mergePackageJson(
  existing: PackageJson | undefined,
  wanted: ScaffoldPackage,
): { pkg: PackageJson; added: string[]; kept: string[] } {
  const pkg: PackageJson = { ...(existing ?? {}) };
  const added: string[] = [];
  const kept: string[] = [];
  if (pkg.type !== undefined && pkg.type !== 'module')
    throw new ConfigError(
      `package.json has "type": "${pkg.type}", but job modules are ES modules (import/export), which ` +
        'Node loads as such only with "type": "module". Set it (and rename CommonJS files to .cjs), or ' +
        'start the project in a new folder: cloudreduce init my-project',
    );
  const setField = (key: string, value: unknown) => {
    if (pkg[key] === undefined) {
      pkg[key] = value;
      added.push(key);
    }
  };
  setField('name', wanted.name);
  setField('version', '0.1.0');
  setField('private', true);
  setField('type', 'module');
  setField('engines', { node: '>=22.18' });

  pkg.scripts = { ...pkg.scripts };
  for (const [name, command] of Object.entries(SCRIPTS)) {
    const theirs = pkg.scripts[name];
    if (theirs === undefined) {
      pkg.scripts[name] = command;
      added.push(`scripts.${name}`);
    } else if (theirs !== command) kept.push(`scripts.${name} ("${theirs}")`);
  }

  const installed = { ...pkg.dependencies, ...pkg.devDependencies };
  if (installed.cloudreduce === undefined) {
    pkg.dependencies = { ...pkg.dependencies, cloudreduce: `^${wanted.cloudreduceVersion}` };
    added.push('dependencies.cloudreduce');
  }
  for (const [name, range] of Object.entries(wanted.devDependencies))
    if (installed[name] === undefined) {
      pkg.devDependencies = { ...pkg.devDependencies, [name]: range };
      added.push(`devDependencies.${name}`);
    }

  const jobs = Array.isArray(pkg.cloudreduce?.jobs) ? pkg.cloudreduce.jobs : [];
  if (!jobs.includes(EXAMPLE_JOB_MODULE)) {
    pkg.cloudreduce = { ...pkg.cloudreduce, jobs: [...jobs, EXAMPLE_JOB_MODULE] };
    added.push('cloudreduce.jobs');
  }
  return { pkg, added, kept };
}
