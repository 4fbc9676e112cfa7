// `cloudreduce dev`, `submit` and `status --dev` as a user runs them: real processes, the test
// runner's emulators (dev reuses them when PUBSUB_EMULATOR_HOST/DATASTORE_EMULATOR_HOST are set).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
    // INFO, so that `logs --dev` has a successful run's entries to show.
    { CLOUDREDUCE_LOG: 'info' },
  );
  dev.stdout!.on('data', (d: Buffer) => (devOut += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (devErr += d.toString()));
  const deadline = Date.now() + 60_000;
  // dev writes dev.json, then prints its banner: wait for the banner's last line too, or the first
  // test can read stdout before the pipe has delivered it.
  while (!existsSync(join(dir, 'state', 'dev.json')) || !devOut.includes('Ctrl-C stops everything')) {
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

test('submit --wait follows the run to its end (exit 0), and logs --dev shows what the functions logged', async () => {
  const r = await runCli(
    ['submit', 'wordcount', '--input', '*.txt', '--shards', '2', '--wait', ...devFlags],
    dir,
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${devErr}`);
  const runId = /submitted wordcount run (\S+) to the dev cloud/.exec(r.stdout)?.[1];
  assert.ok(runId, r.stdout);
  assert.match(r.stdout, new RegExp(`^DONE wordcount run ${runId} \\([\\d.]+ s\\)$`, 'm'));
  assert.match(r.stdout, /wordcount\s+9 records → wordcount/);

  const logs = await runCli(['logs', runId, '--dev', ...devFlags], dir);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, new RegExp(`\\[split\\] INFO {4}run ${runId} of job wordcount started`));
  assert.match(logs.stdout, /\[map\] /);
  const task = await runCli(['logs', runId, 's0-map-00000', '--dev', '--json', ...devFlags], dir);
  const entries = JSON.parse(task.stdout) as { taskId?: string }[];
  assert.ok(
    entries.every((e) => e.taskId === 's0-map-00000'),
    task.stdout,
  );

  // status --watch of a run that has ended draws it once and exits with the run's outcome.
  const watched = await runCli(['status', runId, '--watch', '--dev', ...devFlags], dir);
  assert.equal(watched.code, 0, watched.stderr);
  assert.equal(watched.stdout.match(/^DONE wordcount run/gm)?.length, 1);

  // A run id that a run of another job holds is refused before anything is sent.
  const taken = await runCli(
    ['submit', 'reverse-index', '--input', '*.txt', '--run-id', runId, '--wait', ...devFlags],
    dir,
  );
  assert.equal(taken.code, 2);
  assert.match(
    taken.stderr,
    new RegExp(
      `--run-id ${runId} is taken in the dev cloud by a run of job wordcount \\(DONE\\); choose another id`,
    ),
  );
});

test('submit --wait exits 1 when the run fails, with its error and where its logs are', async () => {
  const state = JSON.parse(readFileSync(join(dir, 'state', 'dev.json'), 'utf8')) as {
    env: Record<string, string>;
  };
  const bucket = state.env.CLOUDREDUCE_WORK_BUCKET;
  const r = await runCli(
    ['submit', 'wordcount', '--input', `gs://${bucket}/nothing-here/*.txt`, '--wait', ...devFlags],
    dir,
  );
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}\n${devErr}`);
  const runId = /submitted wordcount run (\S+)/.exec(r.stdout)![1]!;
  assert.match(r.stdout, new RegExp(`^(FAILED|REJECTED) wordcount run ${runId}`, 'm'));
  assert.match(r.stdout, /matched no objects/);
  assert.match(r.stdout, new RegExp(`^logs: cloudreduce logs ${runId} --dev$`, 'm'));
  const logs = await runCli(['logs', runId, '--dev', ...devFlags], dir);
  assert.match(
    logs.stdout,
    new RegExp(`\\] ERROR {3}run ${runId} of job wordcount FAILED: .*matched no objects`),
  );
});

test('starting the dev cloud logs no errors: no crash from the readiness probe, no metadata lookup', () => {
  // A GET readiness probe made every CloudEvent function print a TypeError and its stack trace.
  assert.doesNotMatch(devErr, /TypeError|Error:|\[\w+\]\s+at /, devErr);
  assert.doesNotMatch(devErr, /MetadataLookupWarning|MaxListenersExceededWarning/, devErr);
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
  // Inputs too: none for a job that reads files, or local paths that match nothing.
  const noInput = await runCli(['submit', 'wordcount', ...devFlags], dir);
  assert.equal(noInput.code, 2);
  assert.match(
    noInput.stderr,
    /wordcount reads text files: pass --input PATH_OR_GLOB \(e\.g\. --input 'books\/\*\.txt'\)\./,
  );
  const noMatch = await runCli(['submit', 'wordcount', '--input', 'nothing/*.txt', ...devFlags], dir);
  assert.equal(noMatch.code, 2);
  assert.match(noMatch.stderr, /Input "nothing\/\*\.txt" matched no files/);
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

// Dev clouds with their own emulators this time (gcloud wrappers and their JVMs), to see that those
// go too. Their processes are found by the ports in dev.json, then followed by process group (each
// emulator and function leads a group of its own); the test runner's emulators are not touched.
async function startOwnDev(dataDir: string) {
  const child = startCli(['dev', '--data-dir', dataDir, '--prefix', `cli${dataDir}-${id}`, '--quiet'], dir, {
    PUBSUB_EMULATOR_HOST: '',
    DATASTORE_EMULATOR_HOST: '',
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const statePath = join(dir, dataDir, 'dev.json');
  const groups = new Set<number>();
  const members = () => processes().filter((p) => groups.has(p.pgid));
  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL'); // what a failed test would leave running
      } catch {
        // ESRCH: gone, as it should be
      }
    }
  };
  try {
    const deadline = Date.now() + 120_000;
    while (!existsSync(statePath)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`cloudreduce dev did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
      env: Record<string, string>;
      functions: Record<string, string>;
    };
    const marks = [
      `--host-port=${state.env.PUBSUB_EMULATOR_HOST} `,
      `--host-port=${state.env.DATASTORE_EMULATOR_HOST} `,
      ...Object.values(state.functions).map((url) => `--port=${new URL(url).port} `),
    ];
    for (const p of processes()) if (marks.some((mark) => `${p.args} `.includes(mark))) groups.add(p.pgid);
    assert.equal(groups.size, 2 + Object.keys(state.functions).length, `groups of ${marks.join(', ')}`);
    assert.ok(
      members().some((p) => /\bjava\b/.test(p.args)),
      'the emulators run in Java',
    );
  } catch (err) {
    cleanup();
    throw err;
  }
  /** Waits (up to 15 s) for every process of the dev cloud to go; returns those still running. */
  const leftAfterExit = async (): Promise<string[]> => {
    await exited;
    const gone = Date.now() + 15_000;
    while (members().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    return members().map((p) => p.args);
  };
  return { child, statePath, leftAfterExit, cleanup };
}

test('closing its terminal (SIGHUP) stops the dev cloud like Ctrl-C: no emulator or function is left', async () => {
  const dev = await startOwnDev('hup');
  try {
    dev.child.kill('SIGHUP');
    assert.deepEqual(await dev.leftAfterExit(), [], 'processes of the dev cloud left running');
    assert.equal(existsSync(dev.statePath), false);
  } finally {
    dev.cleanup();
  }
});

test('a SIGKILLed dev cloud leaves no emulator or function running either', async () => {
  const dev = await startOwnDev('kill');
  try {
    dev.child.kill('SIGKILL'); // no handler runs: the emulators' and functions' watchdogs see it
    assert.deepEqual(await dev.leftAfterExit(), [], 'processes of the dev cloud left running');
  } finally {
    dev.cleanup();
  }
});

/** The live processes (zombies, already dead and waiting to be reaped, left out). */
function processes(): { pid: number; pgid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
      return m && !m[3]!.startsWith('Z') ? [{ pid: Number(m[1]), pgid: Number(m[2]), args: m[4]! }] : [];
    });
}
