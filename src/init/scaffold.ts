// `cloudreduce init`, the work: the files of a new project that works at once (an example job, its
// test, sample input, a terraform root configuration using our module), copied from templates/init
// in this package, plus a package.json made (or completed) in code, since it carries this
// package's version. Nothing is overwritten: planScaffold refuses, naming every file in the way,
// before writeScaffold writes anything.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { ownPackage } from '../package/own-package.ts';
import { mergePackageJson, type PackageJson } from './package-json.ts';

export interface ScaffoldFile {
  path: string;
  /** Its file under templates/init; absent for what is made in code. */
  template?: string;
  about: string;
}

/** Every file init writes, in the order --help and the project's README explain them. */
export const SCAFFOLD_FILES: readonly ScaffoldFile[] = [
  {
    path: 'package.json',
    about:
      'cloudreduce as a dependency, "type": "module", scripts (test, typecheck, page-views, package) and ' +
      '"cloudreduce": {"jobs": [...]}, the job modules every command and the deployed functions load. ' +
      'An existing package.json is completed, never overwritten.',
  },
  {
    path: 'tsconfig.json',
    template: 'tsconfig.json',
    about: 'strict TypeScript for Node 22 (nodenext); `npm run typecheck` checks the jobs with it.',
  },
  {
    path: 'jobs/page-views.ts',
    template: 'jobs/page-views.ts',
    about: 'an example job: views and time per page from NDJSON visits, into the table page_views.',
  },
  {
    path: 'jobs/page-views.test.ts',
    template: 'jobs/page-views.test.ts',
    about: "the job's test: runJob from cloudreduce/testing on the local runtime; `npm test` runs it.",
  },
  {
    path: 'data/visits.ndjson',
    template: 'data/visits.ndjson',
    about: 'sample input for `npm run page-views` (cloudreduce run page-views --input data/visits.ndjson).',
  },
  {
    path: 'infra/main.tf',
    template: 'infra/main.tf',
    about:
      "terraform root configuration: calls cloudreduce's module (node_modules/cloudreduce/terraform) " +
      'with your project, the archive `npm run package` builds, and a nightly schedule.',
  },
  {
    path: '.gitignore',
    template: 'gitignore', // npm pack drops files named .gitignore from a package
    about: 'node_modules/, .cloudreduce/ (local runs), build/ (the archive), terraform state.',
  },
  { path: 'README.md', about: 'these notes and the commands, for the next person.' },
];

export interface ScaffoldPlan {
  dir: string;
  files: { path: string; content: string }[];
  /** What happened to package.json: created, or completed (with the changes and what was kept). */
  packageJson: { created: boolean; added: string[]; kept: string[] };
}

function templatesDir(): string {
  return join(ownPackage().root, 'templates', 'init');
}

export async function planScaffold(dirArg: string, cwd: string): Promise<ScaffoldPlan> {
  const dir = resolve(cwd, dirArg);
  const blocked = SCAFFOLD_FILES.filter((f) => f.path !== 'package.json' && existsSync(join(dir, f.path)));
  if (blocked.length > 0)
    throw new ConfigError(
      `cloudreduce init would overwrite ${blocked.length} file${blocked.length > 1 ? 's' : ''} in ${dir}: ` +
        `${blocked.map((f) => f.path).join(', ')}. Nothing was written. Move ${blocked.length > 1 ? 'them' : 'it'} ` +
        'away, or start the project in a new folder: cloudreduce init my-project',
    );
  const own = ownPackage();
  const ownPkg = JSON.parse(await readFile(join(own.root, 'package.json'), 'utf8')) as PackageJson;
  const pkgPath = join(dir, 'package.json');
  const existing = existsSync(pkgPath)
    ? (JSON.parse(await readFile(pkgPath, 'utf8')) as PackageJson)
    : undefined;
  const merged = mergePackageJson(existing, {
    name: packageName(basename(dir)),
    cloudreduceVersion: own.version,
    devDependencies: {
      typescript: ownPkg.devDependencies?.typescript ?? '^5.9.0',
      '@types/node': ownPkg.devDependencies?.['@types/node'] ?? '^22.18.0',
    },
  });
  const files = [{ path: 'package.json', content: `${JSON.stringify(merged.pkg, null, 2)}\n` }];
  for (const f of SCAFFOLD_FILES)
    if (f.template)
      files.push({ path: f.path, content: await readFile(join(templatesDir(), f.template), 'utf8') });
  files.push({ path: 'README.md', content: readme(String(merged.pkg.name)) });
  return { dir, files, packageJson: { created: !existing, added: merged.added, kept: merged.kept } };
}

export async function writeScaffold(plan: ScaffoldPlan): Promise<void> {
  for (const file of plan.files) {
    const path = join(plan.dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    // 'wx' refuses a file that appeared since the plan; package.json is the one file completed.
    await writeFile(path, file.content, { flag: file.path === 'package.json' ? 'w' : 'wx' });
  }
}

/** A valid npm package name from a folder name: lowercase, URL-safe, at most 214 characters. */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '')
    .slice(0, 214);
  return name || 'cloudreduce-app';
}

function readme(name: string): string {
  const rows = SCAFFOLD_FILES.map((f) => `| \`${f.path}\` | ${f.about} |`).join('\n');
  return `# ${name}

MapReduce jobs on [cloudreduce](https://www.npmjs.com/package/cloudreduce): written once in
TypeScript, run here with no cloud, deployed to Google Cloud with terraform.

\`\`\`sh
npm install
npm test                 # the jobs' tests (node --test)
npm run page-views       # run the example job locally, then look at its table:
npx cloudreduce query "SELECT * FROM page_views ORDER BY views DESC"
npm run package          # build/function-source.zip, what the cloud functions run
terraform -chdir=infra init
terraform -chdir=infra apply -var project_id=MY_PROJECT
\`\`\`

Node 22.18 or newer runs the TypeScript jobs as they are. \`npx cloudreduce --help\` lists the
commands (\`run\`, \`status\`, \`resume\`, \`query\`, \`jobs\`, \`submit\`, \`package\`, ...);
node_modules/cloudreduce/docs/ has the guides (jobs.md, io.md, deploy.md).

| file | what it is |
|---|---|
${rows}
`;
}
