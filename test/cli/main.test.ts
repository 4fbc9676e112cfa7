// The CLI's entry as a new user meets it, run in-process: version, help for one command, unknown
// commands, and the read-only commands in a directory where nothing ran yet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo } from './capture-io.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-main-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

test('--version, -V and `version` print the package version', async () => {
  for (const args of [['--version'], ['-V'], ['version']]) {
    const io = captureIo(dir);
    assert.equal(await main(args, io), 0);
    assert.deepEqual(io.stdout, [`cloudreduce ${version}`]);
  }
});

test('help CMD prints that command’s help, not the top-level one', async () => {
  const io = captureIo(dir);
  assert.equal(await main(['help', 'status'], io), 0);
  assert.match(io.stdout[0]!, /^Usage: cloudreduce status \[RUN_ID\]/);
  assert.doesNotMatch(io.stdout[0]!, /Commands:/);
  const unknown = captureIo(dir);
  assert.equal(await main(['help', 'stauts'], unknown), 2);
  assert.match(unknown.stderr[0]!, /^Unknown command "stauts"\. Did you mean status\? Commands: run, status/);
});

test('an unknown command gets the near one', async () => {
  const io = captureIo(dir);
  assert.equal(await main(['sbmit'], io), 2);
  assert.match(io.stderr[0]!, /^Unknown command "sbmit"\. Did you mean submit\?/);
});

test('status and abort where no run ever started say so instead of "unable to open database file"', async () => {
  const dataDir = join(dir, 'empty', '.cloudreduce');
  const list = captureIo(dir);
  assert.equal(await main(['status', '--data-dir', dataDir], list), 0);
  assert.deepEqual(list.stdout, [
    `No runs here yet; data dir ${dataDir}; start one with cloudreduce run JOB ` +
      '(or point --data-dir or CLOUDREDUCE_DATA_DIR at the directory the runs are in).',
  ]);
  for (const command of ['status', 'abort']) {
    const io = captureIo(dir);
    assert.equal(await main([command, 'wordcount-1', '--data-dir', dataDir], io), 2, command);
    assert.deepEqual(io.stderr, [
      `error: No run "wordcount-1": no runs here yet; data dir ${dataDir}; start one with cloudreduce run JOB ` +
        '(or point --data-dir or CLOUDREDUCE_DATA_DIR at the directory the runs are in).',
    ]);
  }
  assert.equal(existsSync(dataDir), false, 'looking creates nothing');
});

test('a misspelt flag is one line with the near flag, exit code 2', async () => {
  const io = captureIo(dir);
  assert.equal(await main(['status', '--jsno'], io), 2);
  assert.equal(io.stderr.length, 1);
  assert.match(io.stderr[0]!, /^error: Unknown flag --jsno\. Did you mean --json\?/);
});
