// The phase barrier at scale: committers count only their batch, yet the phase flips exactly once,
// never before every task is DONE, and a lost batch record is repaired by the sweeper's full count.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { checkBarrier } from '../../src/core/barrier.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { defineJob, input, type Values } from '../../src/index.ts';
import type { Topic } from '../../src/ports/message-bus.ts';
import { TASK_BATCH_SIZE, type TaskFilter } from '../../src/ports/state-store.ts';
import { makeRun, makeTask } from '../contracts/records.ts';
import { withTempDir } from './shuffle/helpers.ts';

const M = 2 * TASK_BATCH_SIZE + 137; // three batches, the last one short

const mapOnly = defineJob({
  name: 'b',
  input: input.integers(10),
  map(i: number, emit: (r: { i: number }) => void) {
    emit({ i });
  },
});
const mapReduce = defineJob({
  name: 'b',
  input: input.integers(10),
  partitions: 3,
  map(i: number, emit: (k: number, v: number) => void) {
    emit(i % 3, i);
  },
  async reduce(k: number, values: Values<number>, emit: (r: { k: number }) => void) {
    await values.toArray();
    emit({ k });
  },
});

interface Harness {
  env: EngineEnv;
  state: SqliteStateStore;
  published: { topic: Topic; count: number }[];
  counts: TaskFilter[];
}

async function harness(dir: string, partitions = 2): Promise<Harness> {
  const state = new SqliteStateStore(join(dir, 'state.db'));
  const published: Harness['published'] = [];
  const counts: TaskFilter[] = [];
  const countTasks = state.countTasks.bind(state);
  state.countTasks = (runId, filter) => {
    counts.push(filter);
    return countTasks(runId, filter);
  };
  const env = {
    state,
    blobs: new FileBlobStore(join(dir, 'blobs')),
    bus: {
      publish: async (topic: Topic, messages: readonly unknown[]) => {
        published.push({ topic, count: messages.length });
        return messages.map((_, i) => String(i));
      },
    },
    logger: silentLogger,
    now: () => Date.UTC(2026, 0, 1),
  } as unknown as EngineEnv;
  await state.insertRun(
    makeRun('r1', 0, {
      phase: 'map',
      options: { partitions, memoryBudgetBytes: 1 << 20, maxAttempts: 3 },
      stages: [{ name: 'count', mapTasks: M }],
    }),
  );
  await state.insertTasks(Array.from({ length: M }, (_, i) => makeTask('r1', 0, 'map', i)));
  return { env, state, published, counts };
}

const done = (h: Harness, i: number) =>
  h.state.updateTask('r1', makeTask('r1', 0, 'map', i).taskId, (t) => ({ ...t, state: 'DONE' }));

void describe('phase barrier', () => {
  void test('concurrent commits of every task flip a map-only phase exactly once, each counting only its batch', () =>
    withTempDir(async (dir) => {
      const h = await harness(dir);
      try {
        // Interleaved commits and checks, as concurrent workers do them.
        await Promise.all(
          Array.from({ length: M }, async (_, i) => {
            await done(h, i);
            await checkBarrier(h.env, mapOnly, 'r1', 0, 'map', i);
          }),
        );
        assert.deepEqual(h.published, [{ topic: 'finalize', count: 1 }]);
        assert.equal((await h.state.getRun('r1'))!.phase, 'finalize');
        const full = h.counts.filter((f) => f.batch === undefined);
        assert.deepEqual(full, [], 'no committer counted the whole phase');
        assert.equal(h.counts.length, M, 'one batch count per commit');
      } finally {
        await h.state.close();
      }
    }));

  void test('the phase never flips while one task is not DONE, and flips when it commits', () =>
    withTempDir(async (dir) => {
      const h = await harness(dir);
      try {
        const last = TASK_BATCH_SIZE + 3;
        for (let i = 0; i < M; i++) if (i !== last) await done(h, i);
        await Promise.all(
          Array.from({ length: M }, (_, i) => checkBarrier(h.env, mapOnly, 'r1', 0, 'map', i)),
        );
        await checkBarrier(h.env, mapOnly, 'r1', 0, 'map'); // the sweeper's full count too
        assert.deepEqual(h.published, []);
        const run = (await h.state.getRun('r1'))!;
        assert.equal(run.phase, 'map');
        assert.deepEqual(run.stages[0]!.barrier, { phase: 'map', batches: [0, 2] });
        await done(h, last);
        await checkBarrier(h.env, mapOnly, 'r1', 0, 'map', last);
        assert.deepEqual(h.published, [{ topic: 'finalize', count: 1 }]);
      } finally {
        await h.state.close();
      }
    }));

  void test('a batch whose record was lost (crash after commit) is repaired by the sweeper’s full count', () =>
    withTempDir(async (dir) => {
      const h = await harness(dir);
      try {
        for (let i = 0; i < M; i++) await done(h, i);
        // Only the first batch's committer got to check the barrier before crashing.
        await checkBarrier(h.env, mapOnly, 'r1', 0, 'map', 0);
        assert.equal((await h.state.getRun('r1'))!.phase, 'map');
        await checkBarrier(h.env, mapOnly, 'r1', 0, 'map');
        assert.equal((await h.state.getRun('r1'))!.phase, 'finalize');
        assert.deepEqual(h.published, [{ topic: 'finalize', count: 1 }]);
      } finally {
        await h.state.close();
      }
    }));

  void test('a map-reduce phase flips once to reduce tasks planned over partition ranges, published once', () =>
    withTempDir(async (dir) => {
      const h = await harness(dir, 3);
      try {
        await Promise.all(
          Array.from({ length: M }, async (_, i) => {
            await h.state.updateTask('r1', makeTask('r1', 0, 'map', i).taskId, (t) => ({
              ...t,
              state: 'DONE',
              output: {
                shuffleObject: `tmp/r1/count/map/${i}/a1`,
                partitions: [0, 1, 2].map((p) => ({ offset: 8 + p * 4, length: 4, records: 1 })),
              },
            }));
            await checkBarrier(h.env, mapReduce, 'r1', 0, 'map', i);
          }),
        );
        const run = (await h.state.getRun('r1'))!;
        assert.equal(run.phase, 'reduce');
        const reduce = await h.state.listTasks('r1', { phase: 'reduce' });
        assert.equal(run.stages[0]!.reduceTasks, reduce.length);
        assert.deepEqual(
          reduce.map((t) => [(t.split as { first: number }).first, (t.split as { end: number }).end]),
          [[0, 3]],
          'a few KB of shuffle: one reduce task for all three partitions',
        );
        assert.deepEqual(h.published, [{ topic: 'reduce', count: 1 }]);
      } finally {
        await h.state.close();
      }
    }));
});
