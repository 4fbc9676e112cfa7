// `cloudreduce dev`, `submit` and `status --dev` as a user runs them: real processes, the test
// runner's emulators (dev reuses them when PUBSUB_EMULATOR_HOST/DATASTORE_EMULATOR_HOST are set).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { runCli, startCli } from '../cli/run-cli.ts';

const id = randomUUID().slice(0, 8);
let dir: string;
let dev: ChildProcess;
let devOut = '';
let devErr = '';
const devFlags = ['--data-dir', 'state'];

before(async () => {
  emulatorEnv(); // fail loudly outside the test runner
  dir = await mkdtemp(join(tmpdir(), 'cli-dev-'));
  await writeFile(join(dir, 'a.txt'), 'The cat sat on the mat.\nThe dog sat too.\n');
  await writeFile(join(dir, 'b.txt'), 'A cat, a dog and a cat.\n');
  dev = startCli(
    [
      'dev',
      ...devFlags,
      '--prefix',
      `clidev-${id}`,
      '--namespace',
      `clidev-${id}`,
      '--lease',
      '5',
      '--sweep-every',
      '2',
    ],
    dir,
  );
  dev.stdout!.on('data', (d: Buffer) => (devOut += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (devErr += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, 'state', 'dev.json'))) {
    if (dev.exitCode !== null || Date.now() > deadline)
      throw new Error(`cloudreduce dev did not start:\n${devOut}\n${devErr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

after(async () => {
  if (dev.exitCode === null) dev.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test('dev prints its endpoints and how to submit', () => {
  assert.match(devOut, /dev cloud of project \S+ ready in [\d.]+ s/);
  assert.match(devOut, /Pub\/Sub emulator\s+127\.0\.0\.1:\d+/);
  assert.match(devOut, /function map\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.match(devOut, /cloudreduce submit wordcount --input 'data\/\*\.txt' --data-dir state/);
});

test('submit uploads local files, publishes the job, and status --dev follows the run to DONE', async () => {
  const submitted = await runCli(
    ['submit', 'wordcount', '--input', '*.txt', '--shards', '2', ...devFlags],
    dir,
  );
  assert.equal(submitted.code, 0, submitted.stderr);
  assert.match(submitted.stderr, /uploaded 2 file\(s\), \d+ bytes, to the dev cloud/);
  const runId = /submitted wordcount run (\S+) to the dev cloud/.exec(submitted.stdout)?.[1];
  assert.ok(runId, submitted.stdout);
  assert.match(submitted.stdout, new RegExp(`follow it with: cloudreduce status ${runId} --dev`));

  const deadline = Date.now() + 60_000;
  let status = await runCli(['status', runId, '--dev', ...devFlags], dir);
  while (!/^DONE /m.test(status.stdout) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    status = await runCli(['status', runId, '--dev', ...devFlags], dir);
  }
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^DONE wordcount run ${runId}`, 'm'), `${status.stdout}\n${devErr}`);
  assert.match(status.stdout, /wordcount\s+9 records → wordcount/);

  const list = await runCli(['status', '--dev', ...devFlags], dir);
  assert.match(list.stdout, new RegExp(`${runId}\\s+wordcount\\s+DONE`));
});

test('dev and submit have --help', async () => {
  for (const command of ['dev', 'submit']) {
    const r = await runCli([command, '--help'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Usage: cloudreduce ${command}`));
  }
});

test('submit checks the job and its params here, with the same messages as run', async () => {
  const badParam = await runCli(['submit', 'wordcount', '--param', 'x=1', ...devFlags], dir);
  assert.equal(badParam.code, 2);
  assert.match(badParam.stderr, /Invalid params for job "wordcount": unknown param "x"/);
  const unknown = await runCli(['submit', 'no-such-job', ...devFlags], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown job "no-such-job"\. Known jobs: .*wordcount/);
  const badRunId = await runCli(['submit', 'wordcount', '--run-id', 'Bad_Id', ...devFlags], dir);
  assert.match(
    badRunId.stderr,
    /--run-id "Bad_Id" is not valid: use 1-100 lowercase letters, digits or dashes/,
  );
});

test('submit and status --dev without a running dev cloud say how to start one', async () => {
  for (const args of [
    ['submit', 'wordcount'],
    ['status', '--dev'],
  ]) {
    const r = await runCli([...args, '--data-dir', 'nowhere'], dir);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /No dev cloud is running here \(nowhere\/dev\.json does not exist\)\. Start one with `cloudreduce dev`/,
    );
  }
});

test('a real project needs gs:// inputs', async () => {
  const r = await runCli(['submit', 'wordcount', '--project', 'my-project', '--input', 'a.txt'], dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /--input a\.txt is not a Cloud Storage URI\. Functions in project my-project read gs:\/\/BUCKET\/PATH/,
  );
});

test('Ctrl-C stops the dev cloud and removes its state file', async () => {
  dev.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => {
    if (dev.exitCode !== null) resolve(dev.exitCode);
    else dev.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 0, devErr);
  assert.match(devErr, /dev cloud stopped/);
  assert.equal(existsSync(join(dir, 'state', 'dev.json')), false);
});
