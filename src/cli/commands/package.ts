// `cloudreduce package`: the function source archive of the project in the working directory
// (src/package/build.ts does the work), and a report of what went in.

import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { EXTERNAL_REASONS } from '../../package/externals.ts';
import { buildFunctionArchive, DEFAULT_ARCHIVE, type PackageResult } from '../../package/build.ts';
import { userJobModules } from '../../runtime/job-modules.ts';
import { commonOptions, parse } from '../args.ts';
import type { CliIo } from '../session.ts';

export const PACKAGE_HELP = `Usage: cloudreduce package [--jobs MODULE]... [--out ZIP] [--external NAME]... [--json]

Builds the archive every cloud function deploys from, for the project in this folder:
cloudreduce's functions and your job modules, bundled with esbuild, plus a package.json and a
package-lock.json (your lockfile pruned) for what is installed in the cloud instead of bundled.
Run it in your project's root folder (where package.json and package-lock.json are), then point
the terraform module's source_archive at the archive (docs/deploy.md).

Job modules are found as every command finds them: --jobs, then the CLOUDREDUCE_JOBS environment
variable (comma-separated), then "cloudreduce": {"jobs": [...]} in package.json. They may live
outside the project folder. The built-in jobs are always included.

Installed in the cloud (npm ci), not bundled:
  @google-cloud/functions-framework   it serves the entry points
  @google-cloud/*                     Google's clients read their own files at run time
  native packages                     anything with a compiled binary (e.g. @duckdb/*)
  --external NAME                     more, also "cloudreduce": {"external": [...]} in package.json
Everything else (cloudreduce, your code and its dependencies) is bundled.

Options:
  --jobs MODULE    a job module (repeatable)
  --out ZIP        where to write the archive (default: ${DEFAULT_ARCHIVE})
  --external NAME  install NAME in the cloud instead of bundling it (repeatable)
  --json           print the report as JSON

The same input gives the same bytes (the printed sha256), so terraform redeploys only on a change.`;

export async function packageCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('package', argv, {
    out: { type: 'string' },
    external: { type: 'string', multiple: true },
  });
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(PACKAGE_HELP);
    return 0;
  }
  if (positionals.length)
    throw new ConfigError(
      `cloudreduce package takes no arguments (got ${positionals.join(' ')}); name job modules with --jobs.`,
    );
  const started = Date.now();
  const out = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  const result = await buildFunctionArchive({
    projectDir: io.cwd,
    jobModules: userJobModules(common.jobModules, io.env, io.cwd),
    external: values.external ?? [],
    ...(out ? { out } : {}),
  });
  const seconds = (Date.now() - started) / 1000;
  if (common.json) io.out(JSON.stringify({ ...result, seconds }, null, 2));
  else for (const line of report(result, io.cwd, seconds)) io.out(line);
  return 0;
}

export function report(result: PackageResult, cwd: string, seconds: number): string[] {
  const lines: string[] = [];
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  lines.push(`cloudreduce ${result.cloudreduceVersion}: functions entry ${result.functionsEntry} → index.js`);
  lines.push(`  built-in jobs: ${result.builtInJobs.join(', ')}`);
  lines.push(result.modules.length ? 'job modules:' : 'job modules: none (only the built-in jobs)');
  for (const m of result.modules) lines.push(`  ${m.source} → ${m.archived} (${m.jobs.join(', ')})`);
  lines.push('bundled (bytes in the bundle):');
  for (const p of result.packages)
    lines.push(
      `  ${(p.name ? `${p.name}${p.version ? `@${p.version}` : ''}` : 'this project').padEnd(40)} ${kb(p.bytes)}`,
    );
  lines.push(`installed by npm ci in the cloud (${result.installed} locked packages in all):`);
  for (const e of result.externals)
    lines.push(`  ${`${e.name}@${e.version}`.padEnd(40)} ${EXTERNAL_REASONS[e.reason]}`);
  lines.push('files:');
  for (const f of result.files) lines.push(`  ${f.name.padEnd(40)} ${kb(f.bytes)}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  const rel = relative(cwd, result.archive);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? result.archive : rel;
  lines.push(
    `${shown}: ${result.files.length} files, ${result.bytes} bytes (${kb(result.bytes)}), built in ${seconds.toFixed(1)} s`,
  );
  lines.push(`sha256 ${result.sha256}`);
  return lines;
}
