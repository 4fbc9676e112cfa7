// A task that kills its worker (out of heap) fails its run after maxAttempts worker deaths, with
// advice that helps (raise the cap, not lower it), in map and in reduce alike; the process running
// the pool survives. A line longer than the record limit is an InputError naming file and offset.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../../src/core/defaults.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { LocalRuntime } from '../../src/runtime/local-runtime.ts';
import { runJob } from '../../src/testing.ts';
import { wordcount } from '../../jobs/wordcount.ts';
import { runCli } from '../cli/run-cli.ts';
import { heapHog, hugeKey } from './fixtures/memory-jobs.ts';

const MEMORY_JOBS = fileURLToPath(new URL('./fixtures/memory-jobs.ts', import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'worker-deaths-'));
  await writeFile(join(dir, 'hog.txt'), 'a\nb\nboom\nc\n');
  await writeFile(
    join(dir, 'keys.txt'),
    Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n',
  );
});
after(() => rm(dir, { recursive: true, force: true }));

async function runInWorkers(job: string, input: string) {
  const dataDir = await mkdtemp(join(dir, 'data-'));
  const jobs = new JobRegistry();
  jobs.register(heapHog);
  jobs.register(hugeKey);
  const runtime = new LocalRuntime({
    dataDir,
    jobs,
    cwd: dir,
    workers: 1,
    workerHeapMb: 48,
    userModules: [MEMORY_JOBS],
    leaseMillis: 5_000,
  });
  try {
    const runId = await runtime.submit({
      job,
      inputs: [input],
      shards: 1,
      partitions: 1,
      memoryBudgetBytes: 1 << 20,
    });
    const run = await runtime.wait(runId, undefined, 20);
    const tasks = await runtime.adapters.state.listTasks(runId);
    return { run, tasks, deadLetters: runtime.bus.deadLetters.length };
  } finally {
    await runtime.close();
  }
}

test('a map that runs its worker out of heap fails the run after maxAttempts deaths, advising to raise the cap', async () => {
  const { run, tasks, deadLetters } = await runInWorkers('heap-hog', 'hog.txt');
  assert.equal(run.status, 'FAILED');
  const task = tasks.find((t) => t.taskId === run.error?.taskId);
  assert.ok(task, `the error names a task: ${JSON.stringify(run.error)}`);
  assert.equal(task.phase, 'map');
  assert.equal(task.attempt, DEFAULTS.maxAttempts, 'one attempt per worker death, no more');
  assert.equal(deadLetters, 0, 'the run ended by the attempt limit, not by the bus giving up');
  assert.match(run.error?.message ?? '', /^task worker ran out of memory \(heap capped at 48 MiB/);
  assert.match(
    run.error?.message ?? '',
    /Raise the cap with a larger --memory-budget or CLOUDREDUCE_WORKER_HEAP_MB/,
  );
  assert.doesNotMatch(run.error?.message ?? '', /[Ll]ower the memory budget/);
  assert.match(run.error?.message ?? '', /\(attempt 3 of 3\)$/);
});

test("a reduce that buffers a huge key's values dies in its worker, not in the process, and fails the run", async () => {
  const { run, tasks } = await runInWorkers('huge-key', 'keys.txt');
  assert.equal(run.status, 'FAILED');
  const task = tasks.find((t) => t.taskId === run.error?.taskId);
  assert.equal(task?.phase, 'reduce', JSON.stringify(run.error));
  assert.equal(task?.attempt, DEFAULTS.maxAttempts);
  // The worker is dead and cannot say where it was: the key comes from what it last wrote to the
  // memory it shares with the pool.
  assert.equal(run.error?.position, 'key "k" in partition 0');
  assert.equal(
    run.error?.message,
    'task worker ran out of memory (heap capped at 48 MiB: twice the memory budget plus 256) while ' +
      'reducing key "k" in partition 0. A reducer that keeps all the values of a key in memory needs ' +
      'room for its largest key: iterate the values with for await and keep only what the result needs ' +
      '(a count, a sum, a bounded sample), or raise the cap with a larger --memory-budget or ' +
      'CLOUDREDUCE_WORKER_HEAP_MB. (attempt 3 of 3)',
  );
  assert.equal(task?.error?.position, 'key "k" in partition 0');
});

test('the CLI survives a reduce that buffers a huge key: exit 1 with the run FAILED, the task and the key', async () => {
  const cwd = await mkdtemp(join(dir, 'cli-'));
  await writeFile(
    join(cwd, 'keys.txt'),
    Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n',
  );
  const r = await runCli(
    ['run', 'huge-key', '--jobs', MEMORY_JOBS, '--input', 'keys.txt', '--shards', '1', '--partitions', '1'],
    cwd,
    { CLOUDREDUCE_WORKER_HEAP_MB: '48' },
  );
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^FAILED huge-key run \S+ /m);
  assert.match(
    r.stdout,
    /^error: Error: task worker ran out of memory \(heap capped at 48 MiB: .* while reducing key "k" in partition 0\./m,
  );
  assert.match(r.stdout, /^ {2}task: s0-reduce-00000$/m);
  assert.match(r.stdout, /^ {2}at input: key "k" in partition 0$/m);
});

test('a line longer than the record limit fails the task with an InputError naming the file and byte offset', async () => {
  const long = 'x'.repeat(DEFAULTS.maxLineBytes + 1);
  await writeFile(join(dir, 'long.txt'), `short line\n${long}\nafter\n`);
  const { run } = await runJob(wordcount, { cwd: dir, inputs: ['long.txt'], shards: 1 });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error?.name, 'InputError');
  assert.equal(
    run.error?.message,
    'long.txt: the line starting at byte offset 11 is longer than 16 MiB, the most one record may have. ' +
      'Such a line is usually a file without newlines or a corrupt one; split the record into lines, or ' +
      'read the file with an input that does not need whole lines.',
  );
});
