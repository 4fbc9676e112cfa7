// A job module in a project that does not say "type": "module": our message says what to add,
// before Node's warning or its "Cannot use import statement outside a module".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../src/core/errors.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';
import { runCli } from '../cli/run-cli.ts';

const INDEX = pathToFileURL(join(import.meta.dirname, '../../src/index.ts')).href;
const JOB = `import { defineJob, input, output } from ${JSON.stringify(INDEX)};
export default defineJob({
  name: 'typed-lines',
  input: input.text(),
  map(line: { text: string }, emit: (r: { n: number }) => void) { emit({ n: line.text.length }); },
  outputs: { lengths: output.ndjson() },
});
`;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'module-type-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A project with this package.json (none when undefined) and the job at jobs/<file>. */
async function project(name: string, pkg: object, file: string): Promise<{ dir: string; url: string }> {
  const dir = join(root, name);
  await mkdir(join(dir, 'jobs'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  await writeFile(
    join(dir, 'jobs', file),
    file.endsWith('.js') ? JOB.replace(/: \{ text: string \}|: \(r: \{ n: number \}\) => void/g, '') : JOB,
  );
  return { dir, url: pathToFileURL(join(dir, 'jobs', file)).href };
}

for (const [name, pkg, file, expected] of [
  ['module', { type: 'module' }, 'job.ts', undefined],
  ['mts', {}, 'job.mts', undefined],
  ['typeless', {}, 'job.ts', 'has no "type" field'],
  ['commonjs', { type: 'commonjs' }, 'job.ts', 'says "type": "commonjs"'],
  ['commonjs-js', { type: 'commonjs' }, 'job.js', 'says "type": "commonjs"'],
] as const) {
  test(`a job module ${file} under package.json ${JSON.stringify(pkg)} ${expected ? 'is refused with what to add' : 'loads'}`, async () => {
    const { dir, url } = await project(name, pkg, file);
    if (!expected) {
      assert.ok((await loadJobs([url])).has('typed-lines'));
      return;
    }
    const pkgPath = join(dir, 'package.json');
    const path = join(dir, 'jobs', file);
    await assert.rejects(loadJobs([url]), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        `Job module ${path} must be loaded as an ES module, but ${pkgPath} ${expected}. ` +
          `Add "type": "module" to ${pkgPath} (or name the file ${path.replace(/\.(ts|js)$/, '.m$1')}).`,
      );
      return true;
    });
  });
}

test('cloudreduce run of a job in a project without "type": "module" exits 2 with our message only', async () => {
  const { dir } = await project('cli', { name: 'my-jobs', version: '1.0.0' }, 'lines.ts');
  await writeFile(join(dir, 'in.txt'), 'a\nbb\n');
  const r = await runCli(['run', './jobs/lines.ts', '--input', 'in.txt'], dir);
  assert.equal(r.code, 2, r.stderr + r.stdout);
  assert.match(r.stderr, /has no "type" field\. Add "type": "module" to .*package\.json/);
  assert.doesNotMatch(r.stderr, /MODULE_TYPELESS_PACKAGE_JSON|Cannot use import statement/);
});
