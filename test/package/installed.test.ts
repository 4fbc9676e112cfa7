// The package as a user gets it: `npm pack` (prepack builds dist/), `npm install` of the tarball
// into a fresh project of their own, the README's job copied there importing 'cloudreduce', run
// by the installed CLI, tested with 'cloudreduce/testing', and compiled by the project's strict
// tsc with and without skipLibCheck.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installInto,
  installedSpec,
  mustSucceed,
  packedTarball,
  ROOT,
  run,
  type CommandResult,
  type Packed,
} from './packed.ts';

let packed: Packed;
let project: string;
let install: CommandResult;

const JOB_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { output } from 'cloudreduce';
import { runJob } from 'cloudreduce/testing';
import topUsers from './top-users.ts';

test('top-users sums the amounts per user at or above minAmount', async () => {
  const { run, outputs } = await runJob(topUsers, { inputs: ['orders.ndjson'], params: { minAmount: 5 } });
  assert.equal(run.status, 'DONE');
  const rows = outputs.user_totals ?? [];
  assert.deepEqual(
    rows.map((r) => [r.user, r.total]).sort(),
    [['ann', 19.5], ['bob', 9], ['cy', 40]],
  );
});

// The types are real, not any: a table output without its mode does not compile.
export function untypedTableOutput(): unknown {
  // @ts-expect-error mode ('append' or 'truncate') is required
  return output.table('t', { a: 'STRING' });
}
`;

function tsconfig(skipLibCheck: boolean): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2023',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      skipLibCheck,
    },
    include: ['jobs'],
  });
}

before(async () => {
  packed = await packedTarball();
  project = await mkdtemp(join(tmpdir(), 'cloudreduce-user-'));
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-jobs', private: true, type: 'module' }, null, 2),
  );
  await mkdir(join(project, 'jobs'));
  const example = await readFile(join(ROOT, 'examples/top-users.ts'), 'utf8');
  const job = example.replace("from '../src/index.ts'", "from 'cloudreduce'");
  assert.notEqual(job, example, 'examples/top-users.ts no longer imports ../src/index.ts');
  await writeFile(join(project, 'jobs/top-users.ts'), job);
  await writeFile(join(project, 'jobs/top-users.test.ts'), JOB_TEST);
  await writeFile(
    join(project, 'orders.ndjson'),
    await readFile(join(ROOT, 'examples/orders.ndjson'), 'utf8'),
  );
  await writeFile(join(project, 'tsconfig.json'), tsconfig(false));
  await writeFile(join(project, 'tsconfig.skiplibcheck.json'), tsconfig(true));
  install = await installInto(project, packed, [
    await installedSpec('typescript'),
    await installedSpec('@types/node'),
  ]);
  console.log(
    `packed ${packed.files.length} files, ${packed.sizeBytes} bytes (${packed.unpackedBytes} unpacked) ` +
      `in ${packed.packMillis} ms; installed into a fresh project in ${install.millis} ms`,
  );
});
after(() => (project ? rm(project, { recursive: true, force: true }) : undefined));

test('the tarball holds the compiled package, the terraform and the docs, and no sources, tests or benchmarks', () => {
  const allowed =
    /^(dist\/(src|functions|jobs)\/|bin\/|terraform\/|docs\/|package\.json$|README\.md$|LICENSE$)/;
  assert.deepEqual(
    packed.files.filter((f) => !allowed.test(f)),
    [],
  );
  assert.deepEqual(
    packed.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    [],
    'TypeScript sources: Node does not strip types under node_modules',
  );
  for (const file of [
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/testing.js',
    'dist/src/testing.d.ts',
    'dist/src/cli/main.js',
    'dist/src/runtime/task-worker.js',
    'dist/src/cloud/fakes/gcs-fake.js',
    'dist/functions/index.js',
    'dist/jobs/index.js',
    'bin/cloudreduce.js',
    'terraform/variables.tf',
    'LICENSE',
  ]) {
    assert.ok(packed.files.includes(file), `${file} is missing from the tarball`);
  }
});

test('every exports and bin target of package.json is in the tarball', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
    bin: Record<string, string>;
  };
  const targets = [
    ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
    ...Object.values(pkg.bin),
  ].map((t) => t.replace(/^\.\//, ''));
  assert.deepEqual(
    targets.filter((t) => !packed.files.includes(t)),
    [],
  );
});

test("a strict nodenext project compiles against the package's types, without skipLibCheck", async () => {
  const r = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], project);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("a strict nodenext project compiles against the package's types, with skipLibCheck", async () => {
  const r = await run(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.skiplibcheck.json'],
    project,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("the project's own job test runs with node --test and cloudreduce/testing", async () => {
  const r = await run(process.execPath, ['--test', 'jobs/top-users.test.ts'], project);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /# pass 1/);
});

test("the installed CLI runs the project's TypeScript job by path and queries its table", async () => {
  const cli = join(project, 'node_modules/.bin/cloudreduce');
  const version = mustSucceed('cloudreduce --version', await run(cli, ['--version'], project));
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
  const r = mustSucceed(
    'cloudreduce run',
    await run(
      cli,
      ['run', './jobs/top-users.ts', '--input', 'orders.ndjson', '--param', 'minAmount=5'],
      project,
    ),
  );
  assert.match(r.stdout, /^DONE top-users run/m);
  const q = mustSucceed(
    'cloudreduce query',
    await run(cli, ['query', 'SELECT user, total FROM user_totals ORDER BY user', '--json'], project),
  );
  assert.deepEqual(JSON.parse(q.stdout), [
    { user: 'ann', total: 19.5 },
    { user: 'bob', total: 9 },
    { user: 'cy', total: 40 },
  ]);
  console.log(`cloudreduce run: ${r.millis} ms, query: ${q.millis} ms`);
});
