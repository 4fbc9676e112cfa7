// `cloudreduce init [DIR]`: scaffolds a project that works at once (src/init/scaffold.ts).

import { relative } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { planScaffold, SCAFFOLD_FILES, writeScaffold } from '../../init/scaffold.ts';
import { commonOptions, parse } from '../args.ts';
import type { CliIo } from '../session.ts';

const width = Math.max(...SCAFFOLD_FILES.map((f) => f.path.length));

export const INIT_HELP = `Usage: cloudreduce init [DIR]

Creates a cloudreduce project in DIR (default: this folder) that works at once: an example job
with its test and sample input, and a terraform configuration that deploys it. It never
overwrites a file: if one of them exists it stops, names them, and writes nothing. An existing
package.json (from npm init or npm install cloudreduce) is completed: missing fields and scripts
are added, yours are kept, and a "type" other than "module" is refused.

Files:
${SCAFFOLD_FILES.map((f) => `  ${f.path.padEnd(width)}  ${wrap(f.about, width + 4)}`).join('\n')}

Then:
  npm install              the dependencies (cloudreduce, typescript, @types/node)
  npm test                 the example job's test
  npm run page-views       runs it locally; then: npx cloudreduce query "SELECT * FROM page_views"
  npm run package          build/function-source.zip for the cloud functions
  terraform -chdir=infra init && terraform -chdir=infra apply -var project_id=MY_PROJECT`;

export async function initCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('init', argv, {});
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(INIT_HELP);
    return 0;
  }
  if (positionals.length > 1)
    throw new ConfigError(`cloudreduce init takes one folder, got ${positionals.join(' ')}.`);
  const plan = await planScaffold(positionals[0] ?? '.', io.cwd);
  await writeScaffold(plan);
  const where = relative(io.cwd, plan.dir) || '.';
  io.out(`cloudreduce init: wrote ${plan.files.length} files in ${where === '.' ? 'this folder' : where}/`);
  for (const f of plan.files) io.out(`  ${f.path}`);
  if (!plan.packageJson.created) {
    io.out(`package.json existed: added ${plan.packageJson.added.join(', ') || 'nothing'}`);
    for (const k of plan.packageJson.kept) io.out(`  kept your ${k}`);
  }
  io.out('Next:');
  if (where !== '.') io.out(`  cd ${where}`);
  io.out('  npm install');
  io.out('  npm test');
  io.out('  npm run page-views');
  io.out('  npx cloudreduce query "SELECT * FROM page_views ORDER BY views DESC"');
  io.out('See README.md for deploying with terraform.');
  return 0;
}

/** Breaks a description into lines that fit 100 columns, continued under its first word. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + word.length + 1 > 100) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}
