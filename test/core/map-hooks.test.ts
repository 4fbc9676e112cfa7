// mapStart / mapEnd (in-mapper combining): a map task's state is made fresh for every attempt and
// slice, map gets it, mapEnd emits from it after the last record; the output equals the plain
// job's, whatever slices, failed attempts and tasks running at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordcountBlocks } from '../../jobs/wordcount-blocks.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { defineJob, input, output, type Values } from '../../src/index.ts';
import { runJob } from '../../src/testing.ts';

const N = 600;
const KEYS = 7;
const sumValues = async (values: Values<number>) => {
  let s = 0;
  for await (const v of values) s += v;
  return s;
};
const expected = () => {
  const sums = new Map<number, number>();
  for (let i = 0; i < N; i++) sums.set(i % KEYS, (sums.get(i % KEYS) ?? 0) + i);
  return [...sums].map(([key, sum]) => ({ key, sum })).sort((a, b) => a.key - b.key);
};

interface Calls {
  starts: number;
  ends: number;
  failOnce?: boolean;
}

/** Sums i by i % 7, in a per-task Map emitted at mapEnd (no emit in map at all). */
function summing(name: string, calls: Calls) {
  return defineJob({
    name,
    input: input.integers(N),
    shards: 5,
    partitions: 3,
    mapStart: () => {
      calls.starts++;
      return new Map<number, number>();
    },
    map(i: number, _emit: (key: number, value: number) => void, ctx, sums: Map<number, number>) {
      // The first attempt of task 0 dies after having summed records: its state must vanish.
      if (calls.failOnce && ctx.task.index === 0 && ctx.task.attempt === 1 && sums.size === 3)
        throw new Error('transient failure after three records');
      sums.set(i % KEYS, (sums.get(i % KEYS) ?? 0) + i);
    },
    mapEnd(emit, _ctx, sums) {
      calls.ends++;
      for (const [key, sum] of sums) emit(key, sum);
    },
    async reduce(key: number, values: Values<number>, emit: (r: { key: number; sum: number }) => void) {
      emit({ key, sum: await sumValues(values) });
    },
    outputs: { sums: output.ndjson() },
  });
}

const rows = (out: Record<string, unknown>[] | undefined) =>
  [...(out ?? [])].sort((a, b) => (a.key as number) - (b.key as number));

test('a task state is made once per task, emitted once, and the table is exact', async () => {
  const calls: Calls = { starts: 0, ends: 0 };
  const { run, outputs } = await runJob(summing('hooks-plain', calls), {});
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.deepEqual(rows(outputs.sums), expected());
  assert.equal(calls.starts, run.stages[0]!.mapTasks);
  assert.equal(calls.ends, run.stages[0]!.mapTasks);
});

test('every slice gets its own state and emits it before it seals (a slice per record)', async () => {
  const calls: Calls = { starts: 0, ends: 0 };
  const { run, outputs } = await runJob(summing('hooks-sliced', calls), { taskBudgetMillis: 0 });
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.deepEqual(rows(outputs.sums), expected());
  assert.equal(calls.starts, N, 'one execution per record');
  assert.equal(calls.ends, N);
});

test('a failed attempt leaves nothing behind: the retry starts from a new state', async () => {
  const calls: Calls = { starts: 0, ends: 0, failOnce: true };
  const { run, outputs } = await runJob(summing('hooks-retried', calls), {});
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  assert.deepEqual(rows(outputs.sums), expected());
  assert.equal(calls.starts, run.stages[0]!.mapTasks! + 1, 'the failed attempt started too');
  assert.equal(calls.ends, run.stages[0]!.mapTasks, 'but never reached mapEnd');
});

test('a map-only stage emits records from mapEnd; an error in mapEnd fails the run naming it', async () => {
  const perTask = defineJob({
    name: 'hooks-map-only',
    input: input.integers(100),
    shards: 4,
    mapStart: () => ({ n: 0 }),
    map(_i: number, _emit: (r: { records: number }) => void, _ctx, state: { n: number }) {
      state.n++;
    },
    mapEnd(emit, _ctx, state) {
      emit({ records: state.n });
    },
    outputs: { counts: output.ndjson() },
  });
  const ok = await runJob(perTask, {});
  assert.equal(ok.run.status, 'DONE', JSON.stringify(ok.run.error));
  assert.equal(ok.outputs.counts!.length, ok.run.stages[0]!.mapTasks);
  assert.equal(
    ok.outputs.counts!.reduce((s, r) => s + (r.records as number), 0),
    100,
  );

  const broken = defineJob({
    name: 'hooks-broken-end',
    input: input.integers(10),
    maxAttempts: 1,
    mapStart: () => [] as number[],
    map(i: number, _emit: (r: { i: number }) => void, _ctx, seen: number[]) {
      seen.push(i);
    },
    mapEnd() {
      throw new Error('cannot flush');
    },
    outputs: { rows: output.ndjson() },
  });
  const failed = await runJob(broken, {});
  assert.equal(failed.run.status, 'FAILED');
  assert.match(failed.run.error!.message, /cannot flush/);
  assert.match(failed.run.error!.position ?? '', /mapEnd, after \d+ records/);
});

test('a hook that is not a function is refused when the job is defined', () => {
  assert.throws(
    () =>
      defineJob({
        name: 'hooks-bad',
        input: input.integers(1),
        mapStart: 3 as never,
        map() {},
        outputs: { rows: output.ndjson() },
      }),
    (err: unknown) => err instanceof ConfigError && /mapStart must be a function/.test(err.message),
  );
});

test("wordcount-blocks counts a file's last line without '\\n' apart from the next file's first", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hooks-'));
  try {
    await writeFile(join(dir, 'a.txt'), 'one two\nabc'); // no final newline
    await writeFile(join(dir, 'b.txt'), 'def one\n');
    const { run, outputs } = await runJob(wordcountBlocks, { inputs: [join(dir, '*.txt')], shards: 1 });
    assert.equal(run.status, 'DONE', JSON.stringify(run.error));
    const got = Object.fromEntries(outputs.wordcount!.map((r) => [r.word, Number(r.count)]));
    assert.deepEqual(got, { one: 2, two: 1, abc: 1, def: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
