// `cloudreduce run` refusing a user's mistakes before a run exists, and printing a failed run's
// error once, without a stack when the user can fix it from the message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_JOBS, runCli } from './run-cli.ts';

const INDEX = new URL('../../src/index.ts', import.meta.url).href;
let dir: string;
before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'cli-run-')));
  await writeFile(join(dir, 'lines.txt'), 'hello\nworld\n');
  await writeFile(join(dir, 'bad.ndjson'), '{"user":"a","amount":1}\n{"user":"a", amount: 3}\n');
  await writeFile(
    join(dir, 'config-fail.ts'),
    `import { defineJob, input, ConfigError } from '${INDEX}';
export default defineJob({
  name: 'config-fail',
  input: input.text(),
  map() { throw new ConfigError('set the bucket first: pass --param bucket=NAME'); },
});
`,
  );
});
after(() => rm(dir, { recursive: true, force: true }));

test('an --input that matches nothing is refused in one line with exit code 2, and no run is created', async () => {
  const r = await runCli(['run', 'wordcount', '--input', 'orders/*.txt'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `error: Input "orders/*.txt" matched no files (looked in ${dir}). Check the path or pass --input PATH_OR_GLOB with a file or a glob such as "data/*.txt".\n`,
  );
  assert.equal(existsSync(join(dir, '.cloudreduce')), false, 'no data dir, so no run');
});

test('a job that reads files, run without --input, says which kind of files and how to pass them', async () => {
  const r = await runCli(['run', 'wordcount'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    "error: wordcount reads text files: pass --input PATH_OR_GLOB (e.g. --input 'books/*.txt').\n",
  );
  const blocks = await runCli(['run', 'wordcount-blocks'], dir);
  assert.equal(blocks.code, 2);
  assert.equal(
    blocks.stderr,
    "error: wordcount-blocks reads text files: pass --input PATH_OR_GLOB (e.g. --input 'books/*.txt').\n",
  );
  const nd = await runCli(['run', 'sums', '--jobs', FIXTURE_JOBS], dir);
  assert.equal(nd.code, 2);
  assert.equal(
    nd.stderr,
    "error: sums reads ndjson files: pass --input PATH_OR_GLOB (e.g. --input 'orders/*.ndjson').\n",
  );
  assert.equal(existsSync(join(dir, '.cloudreduce')), false, 'no data dir, so no run');
});

test('out-of-range --shards, --partitions and --memory-budget are refused before a run exists', async () => {
  const cases: [string[], string][] = [
    [['--shards', '0'], 'error: --shards must be a whole number from 1 to 100000, got "0".\n'],
    [['--partitions', '20000'], 'error: --partitions must be a whole number from 1 to 10000, got "20000".\n'],
    [['--memory-budget', '1KiB'], 'error: --memory-budget 1KiB is too small; use at least 64KiB.\n'],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(['run', 'wordcount', '--input', 'lines.txt', ...flags], dir);
    assert.equal(r.code, 2, flags.join(' '));
    assert.equal(r.stderr, message);
  }
  assert.equal(existsSync(join(dir, '.cloudreduce')), false, 'no data dir, so no run');
});

test('a ConfigError that fails a run is printed once, in the summary, without a stack', async () => {
  const r = await runCli(['run', 'config-fail.ts', '--input', 'lines.txt', '--workers', '1'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAILED config-fail run /m);
  const message = 'set the bucket first: pass --param bucket=NAME';
  assert.equal((r.stdout + r.stderr).split(message).length - 1, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /error: ConfigError: set the bucket first: pass --param bucket=NAME\n {2}task: s0-map-00000$/m,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at (?!input)/m, 'no stack frames');
});

test('a bad input record fails the run once, with its position and no stack; debug logging shows the log entry too', async () => {
  const r = await runCli(['run', 'sums', '--jobs', FIXTURE_JOBS, '--input', 'bad.ndjson'], dir);
  assert.equal(r.code, 1);
  assert.equal((r.stdout + r.stderr).split('not valid JSON').length - 1, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /error: InputError: bad\.ndjson:2: not valid JSON .*\n {2}task: s0-map-00000\n {2}at input: bad\.ndjson:2$/m,
  );
  assert.doesNotMatch(r.stdout, /^\s+at (?!input)/m, 'no stack frames');

  const debug = await runCli(['run', 'sums', '--jobs', FIXTURE_JOBS, '--input', 'bad.ndjson'], dir, {
    CLOUDREDUCE_LOG: 'debug',
  });
  assert.match(debug.stderr, /^error: task failed: bad\.ndjson:2: not valid JSON/m);
});

test('help texts: demo says what npm start runs, and a param default is shown once', async () => {
  const main = await runCli(['--help'], dir);
  assert.match(
    main.stdout,
    /^ {2}demo {5}tweet-analytics on a generated sample \(npm start\); --wordcount for wordcount$/m,
  );
  const job = await runCli(['run', 'tweet-analytics', '--help'], dir);
  assert.equal(job.code, 0, job.stderr);
  assert.match(
    job.stdout,
    /^ {2}now {16}End of the window and the ts of every row\. \(datetime, default: the run start time\)$/m,
  );
});
