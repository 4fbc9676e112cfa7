// The CLI as a user runs it: real processes, a temp working directory, exit codes and messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_JOBS, runCli } from './run-cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
  await writeFile(join(dir, 'a.txt'), 'The cat sat on the mat.\nThe dog sat too.\n');
  await writeFile(join(dir, 'b.txt'), 'A cat, a dog and a cat.\n');
  await writeFile(
    join(dir, 'bad.ndjson'),
    '{"user":"a","amount":1}\n{"user":"b","amount":2}\n{"user":"a", amount: 3}\n{"user":"b","amount":4}\n',
  );
  await writeFile(join(dir, 'lines.txt'), 'hello\nworld\nboom here\nok\n');
});
after(() => rm(dir, { recursive: true, force: true }));

test('every command has --help', async () => {
  for (const command of ['run', 'status', 'resume', 'abort', 'jobs', 'query', 'ingest', 'demo']) {
    const r = await runCli([command, '--help'], dir);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: cloudreduce ${command}`));
  }
  const main = await runCli(['--help'], dir);
  assert.match(main.stdout, /Commands:/);
});

test('run JOB --help shows the job description and its params', async () => {
  const r = await runCli(['run', 'slow-count', '--help', '--jobs', FIXTURE_JOBS], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sums integers 0\.\.count-1/);
  assert.match(r.stdout, /count\s+\(int, >= 1, default: 4000\)/);
});

test('wordcount runs end to end: progress, counters, outputs, then status and query read the result', async () => {
  const r = await runCli(['run', 'wordcount', '--input', '*.txt', '--shards', '3', '--workers', '2'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^DONE wordcount run (wordcount-\S+)/m);
  assert.match(r.stdout, /wordcount\s+\d+ records → wordcount/);
  assert.match(r.stderr, /map .*tasks/);
  const runId = /^DONE wordcount run (\S+)/m.exec(r.stdout)![1]!;

  const q = await runCli(
    ['query', 'SELECT word, count FROM wordcount ORDER BY count DESC, word LIMIT 3', '--json'],
    dir,
  );
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout), [
    { word: 'a', count: 3 },
    { word: 'cat', count: 3 },
    { word: 'the', count: 3 },
  ]);

  const list = await runCli(['status'], dir);
  assert.match(list.stdout, new RegExp(`${runId}\\s+wordcount\\s+DONE`));
  const detail = await runCli(['status', runId], dir);
  assert.match(detail.stdout, /s0-map-00000\s+DONE/);
  assert.match(detail.stdout, /s0-reduce-00000\s+DONE/);
});

test('an unknown job is refused with the list of known jobs and how to add one', async () => {
  const r = await runCli(['run', 'nope'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown job "nope"\. Known jobs: .*wordcount.*--jobs/);
});

test('a bad param is refused before anything runs', async () => {
  const r = await runCli(['run', 'slow-count', '--jobs', FIXTURE_JOBS, '--param', 'count=0'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /param "count" is 0, below the minimum 1/);
});

test('missing input is refused before anything runs, naming the pattern', async () => {
  const r = await runCli(['run', 'wordcount', '--input', 'nothing/*.txt'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: Input "nothing\/\*\.txt" matched no files/);
});

test('a corrupt NDJSON line fails the run with file and line', async () => {
  const r = await runCli(['run', 'sums', '--jobs', FIXTURE_JOBS, '--input', 'bad.ndjson'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /InputError: bad\.ndjson:3: not valid JSON/);
  assert.match(r.stdout, /at input: bad\.ndjson:3/);
});

test('a job that opts into skipping counts bad records and writes them aside', async () => {
  const r = await runCli(
    ['run', 'sums-skipping', '--jobs', FIXTURE_JOBS, '--input', 'bad.ndjson', '--json'],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout) as {
    stages: {
      counters: Record<string, number>;
      outputs: Record<string, { rows: number; files: string[] }>;
    }[];
  };
  assert.equal(run.stages[0]!.counters['bad-records'], 1);
  assert.equal(run.stages[0]!.outputs.rejects!.rows, 1);
  const rejectFile = join(dir, '.cloudreduce', 'blobs', run.stages[0]!.outputs.rejects!.files[0]!);
  const rejected = JSON.parse((await readFile(rejectFile, 'utf8')).trim()) as {
    position: string;
    raw: string;
  };
  assert.equal(rejected.position, 'bad.ndjson:3');
  assert.equal(rejected.raw, '{"user":"a", amount: 3}');
});

test('a mapper that throws is retried, then the run fails showing the error and the record position', async () => {
  const r = await runCli(['run', 'broken-map', '--jobs', FIXTURE_JOBS, '--input', 'lines.txt'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /attempt 1 of 3 failed; retrying/);
  assert.match(r.stderr, /attempt 2 of 3 failed; retrying/);
  assert.match(r.stdout, /^FAILED broken-map/m);
  assert.match(r.stdout, /Error: cannot map "boom here"/);
  assert.match(r.stdout, /at input: lines\.txt:3/);
  assert.match(r.stdout, /jobs\.ts:\d+/, 'the stack points into the job module');
});

test('ingest stores NDJSON records as entities, keyed so a re-ingest does not duplicate', async () => {
  await writeFile(
    join(dir, 'tweets.ndjson'),
    '{"tid":"1234567890123456789","text":"hi","created_at":"2026-11-20T10:00:00Z"}\n{"tid":2,"text":"yo","created_at":"2026-11-20T11:00:00Z"}\n',
  );
  for (let i = 0; i < 2; i++) {
    const r = await runCli(
      ['ingest', '--kind', 'Tweet', '--key', 'tid', '--datetime', 'created_at', 'tweets.ndjson'],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ingested 2 Tweet entities/);
  }
  assert.ok((await readdir(join(dir, '.cloudreduce'))).includes('entities.db'));
});

test('ingest says what is missing or mistyped: --kind, the file, a declared kind in the wrong case, the key', async () => {
  await writeFile(join(dir, 'things.ndjson'), '{"sku":"a-1","price":3}\n{"sku":"b-2","price":4}\n');
  const cases: [string[], string][] = [
    [
      ['ingest'],
      'error: --kind is missing: name the kind of the records, e.g. `cloudreduce ingest --kind Tweet tweets.ndjson`. ' +
        'See `cloudreduce ingest --help`.\n',
    ],
    [
      ['ingest', 'things.ndjson'],
      'error: --kind is missing: name the kind of the records, e.g. `cloudreduce ingest --kind Tweet tweets.ndjson`. ' +
        'See `cloudreduce ingest --help`.\n',
    ],
    [
      ['ingest', '--kind', 'Thing'],
      'error: The file is missing: name the .ndjson or .csv file to ingest, e.g. `cloudreduce ingest --kind Thing FILE.ndjson`.\n',
    ],
    [
      ['ingest', '--kind', 'tweet', 'things.ndjson'],
      'error: Unknown kind "tweet"; did you mean "Tweet"? (declared: Tweet) — or pass --key FIELD to ingest an ' +
        'undeclared kind as sent.\n',
    ],
    [
      ['ingest', '--kind', 'Tweets', 'things.ndjson'],
      'error: Unknown kind "Tweets"; did you mean "Tweet"? (declared: Tweet) — or pass --key FIELD to ingest an ' +
        'undeclared kind as sent.\n',
    ],
    [
      ['ingest', '--kind', 'Thing', 'things.ndjson'],
      'error: 2 bad Thing record(s) in things.ndjson; nothing was stored:\n' +
        '  line 1: missing the key "id"\n' +
        '  line 2: missing the key "id"\n' +
        'Thing is not a declared kind (declared: Tweet), so its records are keyed by "id", which they lack: ' +
        'pass --key FIELD to key them by the field that identifies a record.\n',
    ],
    [
      ['ingest', '--kind', 'Tweet', 'things.ndjson', '--wait', '5'],
      'error: --wait goes with --dev: it is how long to wait for the dev cloud.\n',
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, dir);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, message);
  }
  const keyed = await runCli(['ingest', '--kind', 'Thing', '--key', 'sku', 'things.ndjson'], dir);
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.equal(keyed.stdout, 'ingested 2 Thing entities from things.ndjson\n');
});

test('jobs lines up every description after the longest job name', async () => {
  const r = await runCli(['jobs'], dir);
  assert.equal(r.code, 0, r.stderr);
  const names = r.stdout.split('\n').filter((l) => /^\S/.test(l));
  const width = Math.max(...names.map((l) => l.split(' ')[0]!.length));
  assert.ok(
    names.some((l) => l.startsWith('migrate-drop-property  Removes')),
    r.stdout,
  );
  for (const line of names) assert.match(line.slice(width), /^ {2}\S/, line);
  for (const line of r.stdout.split('\n').filter((l) => /^\s+stages: /.test(l)))
    assert.equal(line.indexOf('stages: '), width + 2, line);
});
