// `cloudreduce logs` on local runs, as a user runs it: the run's own log file outlives the
// terminal that ran it, a task's entries can be picked out, and a failure shows with its reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_JOBS, runCli } from './run-cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-logs-'));
  await writeFile(join(dir, 'lines.txt'), 'hello\nworld\nboom here\nok\n');
});
after(() => rm(dir, { recursive: true, force: true }));

test('logs RUN shows a failed run’s entries oldest first, with the failure and its task', async () => {
  const run = await runCli(
    ['run', 'broken-map', '--jobs', FIXTURE_JOBS, '--input', 'lines.txt', '--run-id', 'broken-logs'],
    dir,
  );
  assert.equal(run.code, 1, run.stderr + run.stdout);

  const logs = await runCli(['logs', 'broken-logs'], dir);
  assert.equal(logs.code, 0, logs.stderr);
  const lines = logs.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO {4}planned 1 map tasks$/);
  assert.ok(lines.some((l) => / INFO {4}run broken-logs of job broken-map started$/.test(l)));
  assert.match(lines.at(-1)!, / ERROR {3}run broken-logs of job broken-map FAILED: cannot map "boom here"$/);
  assert.ok(lines.some((l) => / ERROR {3}task failed: cannot map "boom here" \(s0-map-00000\)$/.test(l)));

  const task = await runCli(['logs', 'broken-logs', 's0-map-00000', '--json'], dir);
  const entries = JSON.parse(task.stdout) as { taskId?: string; message: string }[];
  assert.ok(entries.length > 0);
  assert.ok(entries.every((e) => e.taskId === 's0-map-00000'));

  const stack = await runCli(['logs', 'broken-logs', 's0-map-00000', '--stack'], dir);
  assert.match(stack.stdout, /task failed: .*\n {4}Error: cannot map "boom here"\n {4}\s*at /);
});

test('logs for a run that does not exist, or where nothing ran, says so', async () => {
  const unknown = await runCli(['logs', 'nope'], dir);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^error: No run "nope" in \.cloudreduce\. List runs with: cloudreduce status\n$/,
  );
  const empty = await runCli(['logs', 'nope', '--data-dir', 'elsewhere'], dir);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^error: No run "nope": no runs here yet; data dir \S+elsewhere;/);
  const extra = await runCli(['logs', 'a', 'b', 'c'], dir);
  assert.match(extra.stderr, /cloudreduce logs takes at most 2 arguments \(RUN_ID TASK_ID\); unexpected "c"/);
});
