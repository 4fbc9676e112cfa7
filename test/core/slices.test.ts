// A task of any length finishes, in slices: with a time budget of 0 ms every record (map) and every
// key (reduce) ends a slice, committed and continued in a new message, and every job's output and
// counters equal those of the run without a budget, exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { combinerSums } from '../../jobs/golden.ts';
import { reverseIndexSpread } from '../../jobs/reverse-index.ts';
import { wordcount } from '../../jobs/wordcount.ts';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { dispatch } from '../../src/core/dispatch.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import type { Job } from '../../src/core/job.ts';
import { createLogger, silentLogger } from '../../src/core/logger.ts';
import { sliceCount, type Counters, type TaskRecord } from '../../src/core/records.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { handleJobMessage } from '../../src/core/split.ts';
import { sweepRun } from '../../src/core/sweeper.ts';
import { defineJob, input, output, type Entity, type PropertyFilter, type Values } from '../../src/index.ts';
import type { MessageBus, Topic } from '../../src/ports/message-bus.ts';
import { localPaths, openLocalAdapters } from '../../src/runtime/local-adapters.ts';
import { runJob, type RunJobOptions, type RunJobResult } from '../../src/testing.ts';

let dir: string;

/** Runs the job and returns its result and task records (the data directory is kept until then). */
async function run(job: Job, options: RunJobOptions): Promise<RunJobResult & { tasks: TaskRecord[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudreduce-slices-'));
  try {
    const result = await runJob(job, { cwd: dir, ...options, dataDir });
    assert.equal(result.run.status, 'DONE', JSON.stringify(result.run.error));
    const state = new SqliteStateStore(localPaths(dataDir).state);
    try {
      return { ...result, tasks: await state.listTasks(result.run.runId) };
    } finally {
      await state.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Counters that must not depend on slicing: spills do (a slice seals its buffer early), and so do
 * reduce merge runs (every map slice is one more source to merge).
 */
function sliceFree(counters: Counters | undefined): Counters {
  const { 'map-spills': _spills, 'reduce-merge-runs': _runs, ...rest } = counters ?? {};
  return rest;
}

const sum = async (values: Values<number>) => {
  let n = 0;
  for await (const v of values) n += v;
  return n;
};

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
const line = (i: number) =>
  Array.from({ length: 1 + (i % 4) }, (_, k) => words[(i * 7 + k * 3) % 10]).join(' ');

const squares = defineJob({
  name: 'squares',
  input: input.integers(90),
  shards: 3,
  map(i: number, emit: (r: { i: number; square: number }) => void) {
    emit({ i, square: i * i });
  },
  outputs: { squares: output.ndjson() },
});

const amounts = defineJob({
  name: 'amounts',
  input: input.ndjson('amounts.ndjson', { minSplitBytes: 64 }),
  shards: 4,
  badRecords: 'skip',
  map(r: { user: string; amount: number }, emit: (user: string, amount: number) => void) {
    emit(r.user, r.amount);
  },
  async reduce(user: string, values: Values<number>, emit: (r: { user: string; amount: number }) => void) {
    emit({ user, amount: await sum(values) });
  },
  outputs: { sums: output.ndjson() },
});

const people = defineJob({
  name: 'people',
  input: input.csv(['people-1.csv', 'people-2.csv'], { minSplitBytes: 48 }),
  shards: 5,
  map(r: { city: string; age: string }, emit: (city: string, age: number) => void) {
    emit(r.city, Number(r.age));
  },
  async reduce(city: string, ages: Values<number>, emit: (r: { city: string; total: number }) => void) {
    emit({ city, total: await sum(ages) });
  },
  outputs: { cities: output.ndjson() },
});

const tweets: Entity[] = Array.from({ length: 60 }, (_, i) => ({
  key: i % 4 === 0 ? { kind: 'Tweet', name: `t${i}` } : { kind: 'Tweet', id: String(100 + 3 * i) },
  properties: { lang: ['en', 'fr', 'de'][i % 3]!, likes: i % 7, kept: i % 5 !== 0 },
}));

function likesByLang(name: string, filters: PropertyFilter[]) {
  return defineJob({
    name,
    input: input.entities('Tweet', { filters }),
    shards: 3,
    map(e: Entity, emit: (lang: string, likes: number) => void) {
      emit(e.properties.lang as string, e.properties.likes as number);
    },
    async reduce(lang: string, likes: Values<number>, emit: (r: { lang: string; likes: number }) => void) {
      emit({ lang, likes: await sum(likes) });
    },
    outputs: { likes: output.ndjson() },
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-slices-data-'));
  await mkdir(join(dir, 'text'));
  const text = (from: number, to: number, nl = '\n') =>
    Array.from({ length: to - from }, (_, i) => line(from + i)).join(nl);
  await writeFile(join(dir, 'text', 'a.txt'), text(0, 25) + '\n');
  await writeFile(join(dir, 'text', 'b.txt'), text(25, 40, '\r\n')); // CRLF, no final newline
  await writeFile(join(dir, 'text', 'c.txt.gz'), gzipSync(text(40, 55) + '\n'));
  const amountLines = Array.from({ length: 40 }, (_, i) =>
    i % 9 === 4 ? '{broken' : i % 11 === 0 ? '' : JSON.stringify({ user: `u${i % 6}`, amount: i }),
  );
  await writeFile(join(dir, 'amounts.ndjson'), amountLines.join('\n') + '\n');
  const csv = (from: number) =>
    'city,age\n' +
    Array.from(
      { length: 15 },
      (_, i) => `"${['Oslo', 'Lima', 'Pune'][(from + i) % 3]}",${20 + from + i}`,
    ).join('\n');
  await writeFile(join(dir, 'people-1.csv'), csv(0) + '\n');
  await writeFile(join(dir, 'people-2.csv'), csv(15));
});

after(() => rm(dir, { recursive: true, force: true }));

const cases: { name: string; job: Job; options: RunJobOptions }[] = [
  {
    name: 'wordcount (text input, several files with gzip and CRLF, tiny memory budget, worker threads)',
    job: wordcount,
    options: { inputs: ['text/*'], partitions: 2, memoryBudgetBytes: 64 * 1024, workers: 2 },
  },
  {
    name: 'combiner-sums (generated input)',
    job: combinerSums({ combine: true }),
    options: { partitions: 2 },
  },
  { name: 'a map-only job with an NDJSON output', job: squares, options: {} },
  { name: 'an NDJSON job skipping bad records', job: amounts, options: { partitions: 2 } },
  { name: 'a CSV job whose splits start mid-file', job: people, options: { partitions: 2 } },
  {
    name: 'an entity-input job with an equality filter',
    job: likesByLang('likes', [{ property: 'kept', op: '=', value: true }]),
    options: { entities: tweets, partitions: 2 },
  },
  { name: 'the two-stage reverse-index-spread', job: reverseIndexSpread, options: { inputs: ['text/*'] } },
];

describe('with a time budget of 0 ms every record and key is a slice, and nothing changes', () => {
  for (const { name, job, options } of cases) {
    test(name, async () => {
      const plain = await run(job, options);
      const sliced = await run(job, { ...options, taskBudgetMillis: 0 });
      // Parts are concatenated in task then slice order: even the record order is the same.
      assert.deepEqual(sliced.outputs, plain.outputs);
      assert.ok(
        Object.values(plain.outputs).some((records) => records.length > 0),
        'the job wrote records',
      );
      for (const [s, stage] of plain.run.stages.entries()) {
        // No double counting: every record was read, and every key reduced, exactly once.
        assert.deepEqual(sliceFree(sliced.run.stages[s]!.counters), sliceFree(stage.counters), `stage ${s}`);
        assert.deepEqual(sliceFree(sliced.run.stages[s]!.mapCounters), sliceFree(stage.mapCounters));
      }
      assert.ok(plain.tasks.every((t) => sliceCount(t) === 1));
      for (const phase of ['map', 'reduce'] as const) {
        const tasks = sliced.tasks.filter((t) => t.phase === phase);
        if (tasks.length === 0) continue;
        assert.ok(
          tasks.some((t) => sliceCount(t) > 1),
          `${phase} tasks ran in slices: ${tasks.map(sliceCount).join(', ')}`,
        );
        // A map task has one slice per record it read (bad ones too), a reduce task one per key.
        for (const t of tasks) {
          const c = t.counters ?? {};
          const units =
            phase === 'map' ? (c['map-records'] ?? 0) + (c['bad-records'] ?? 0) : c['reduce-keys'];
          assert.equal(sliceCount(t), Math.max(1, units ?? 0), `${t.taskId} slices`);
          assert.equal(t.checkpoint, undefined, `${t.taskId} is DONE: no checkpoint left`);
        }
      }
    });
  }
});

test('an input that cannot resume mid-split ignores the budget, warns once per task, and gives the same output', async () => {
  const job = likesByLang('likes-unordered', [{ property: 'likes', op: '>', value: 1 }]);
  const warnings: string[] = [];
  const logger = createLogger((severity, message) => {
    if (severity === 'WARNING') warnings.push(message);
  }, 'DEBUG');
  const plain = await run(job, { entities: tweets, partitions: 2 });
  const sliced = await run(job, { entities: tweets, partitions: 2, taskBudgetMillis: 0, logger });
  assert.deepEqual(sliced.outputs, plain.outputs);
  const maps = sliced.tasks.filter((t) => t.phase === 'map');
  assert.ok(maps.every((t) => sliceCount(t) === 1));
  const cannot = warnings.filter((w) => w.includes('cannot resume mid-split'));
  assert.equal(cannot.length, maps.filter((t) => (t.counters?.['map-records'] ?? 0) > 1).length);
  assert.match(
    cannot[0]!,
    /input "entities" cannot resume mid-split, so task s0-map-\d+ runs past its time budget/,
  );
});

describe('a failed attempt resumes from the last checkpoint, not from the start', () => {
  const phases = [
    { phase: 'map', unit: 'record' },
    { phase: 'reduce', unit: 'key' },
  ] as const;
  for (const { phase, unit } of phases) {
    test(`${phase}: an attempt failing in the 3rd slice re-runs only that ${unit}`, async () => {
      const seen: number[] = [];
      let failed = false;
      const flaky = (i: number) => {
        seen.push(i);
        if (i === 2 && !failed) {
          failed = true;
          throw new Error(`flaky ${unit} ${i}`);
        }
      };
      const job = defineJob({
        name: `flaky-${phase}`,
        input: input.integers(8),
        shards: 1,
        partitions: 1,
        map(i: number, emit: (key: number, value: number) => void) {
          if (phase === 'map') flaky(i);
          emit(i, i * 10);
        },
        async reduce(key: number, values: Values<number>, emit: (r: { key: number; total: number }) => void) {
          if (phase === 'reduce') flaky(key);
          emit({ key, total: await sum(values) });
        },
        outputs: { totals: output.ndjson() },
      });
      const { outputs, run: r, tasks } = await run(job, { taskBudgetMillis: 0 });
      // Slices 1 and 2 committed; the 3rd failed once and ran again from the 2nd checkpoint.
      assert.deepEqual(seen, [0, 1, 2, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(
        outputs.totals,
        Array.from({ length: 8 }, (_, key) => ({ key, total: key * 10 })),
      );
      const task = tasks.find((t) => t.phase === phase)!;
      assert.equal(task.failures, 1);
      assert.equal(sliceCount(task), 8);
      assert.equal(task.slices?.[2]?.attempt, 4, 'slice 3 was committed by the retry, attempt 4');
      assert.equal(r.stages[0]!.counters![phase === 'map' ? 'map-records' : 'reduce-keys'], 8);
    });
  }

  test('attempts count per slice: a task whose every slice fails once still finishes', async () => {
    const failedOnce = new Set<number>();
    const job = defineJob({
      name: 'flaky-every-slice',
      input: input.integers(5),
      shards: 1,
      map(i: number, emit: (r: { i: number }) => void) {
        if (!failedOnce.has(i)) {
          failedOnce.add(i);
          throw new Error(`first try of ${i}`);
        }
        emit({ i });
      },
      outputs: { records: output.ndjson() },
    });
    const { outputs, tasks } = await run(job, { taskBudgetMillis: 0, maxAttempts: 2 });
    assert.deepEqual(
      outputs.records,
      [0, 1, 2, 3, 4].map((i) => ({ i })),
    );
    assert.equal(tasks[0]!.failures, 5);
    assert.equal(tasks[0]!.attempt, 10, 'two attempts per slice, more than maxAttempts over the task');
  });
});

test('a lost continuation message is re-published by the sweeper, and the task goes on from its checkpoint', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudreduce-slices-lost-'));
  const adapters = openLocalAdapters(dataDir);
  try {
    const queue: { topic: Topic; data: unknown }[] = [];
    const bus: MessageBus = {
      async publish(topic, messages) {
        for (const m of messages) queue.push({ topic, data: m.data });
        return messages.map((_, i) => `m${queue.length}-${i}`);
      },
    };
    const jobs = new JobRegistry();
    jobs.register(squares);
    const env: EngineEnv = {
      ...adapters,
      bus,
      jobs,
      logger: silentLogger,
      workerId: 'test-worker',
      leaseMillis: 60_000,
      now: Date.now,
      taskBudgetMillis: 0,
    };
    const drain = async (stopAfterMap?: number) => {
      for (let maps = 0; queue.length > 0;) {
        const { topic, data } = queue.shift()!;
        await dispatch(env, topic, { id: 'x', data, attributes: {} });
        if (topic === 'map' && ++maps === stopAfterMap) return;
      }
    };
    await handleJobMessage(env, { job: 'squares', runId: 'lost-1', shards: 1 });
    await drain(2); // two slices committed...
    assert.deepEqual(queue, [{ topic: 'map', data: { runId: 'lost-1', taskId: 's0-map-00000' } }]);
    queue.length = 0; // ...and the message continuing the task is lost
    const pending = await adapters.state.getTask('lost-1', 's0-map-00000');
    assert.equal(pending?.state, 'PENDING');
    assert.equal(sliceCount(pending!), 2);

    const report = await sweepRun(env, 'lost-1', { pendingAfterMillis: -1 });
    assert.equal(report.republished, 1);
    await drain();
    const task = await adapters.state.getTask('lost-1', 's0-map-00000');
    assert.equal(task?.state, 'DONE');
    assert.equal(sliceCount(task!), 90);
    assert.equal(task?.counters?.['map-records'], 90);
    assert.equal((await adapters.state.getRun('lost-1'))?.status, 'DONE');
  } finally {
    await adapters.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
