// sweepAll repairs every RUNNING run, however many runs the store holds, and holds only a page of
// run records at a time: the cloud sweeper runs in a 256 MiB function.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { sweepAll } from '../../src/core/sweeper.ts';
import { defineJob, input } from '../../src/index.ts';
import type { OutgoingMessage, Topic } from '../../src/ports/message-bus.ts';
import type { StateStore } from '../../src/ports/state-store.ts';
import { makeRun, makeTask } from '../contracts/records.ts';
import { withTempDir } from './shuffle/helpers.ts';

const NOW = Date.UTC(2026, 6, 1);

const squares = defineJob({
  name: 'wordcount',
  input: input.integers(10),
  map(i: number, emit: (r: { i: number }) => void) {
    emit({ i });
  },
});

interface Published {
  topic: Topic;
  data: unknown;
}

function harness(dir: string, state: StateStore): { env: EngineEnv; published: Published[] } {
  const published: Published[] = [];
  const jobs = new JobRegistry();
  jobs.register(squares);
  const env = {
    state,
    jobs,
    blobs: new FileBlobStore(join(dir, 'blobs')),
    bus: {
      publish: async (topic: Topic, messages: readonly OutgoingMessage[]) => {
        for (const m of messages) published.push({ topic, data: m.data });
        return messages.map((_, i) => String(i));
      },
    },
    logger: silentLogger,
    leaseMillis: 60_000,
    now: () => NOW,
  } as unknown as EngineEnv;
  return { env, published };
}

void describe('sweepAll', () => {
  void test('repairs a RUNNING run older than the newest 1,000 runs', () =>
    withTempDir(async (dir) => {
      const state = new SqliteStateStore(join(dir, 'state.db'));
      try {
        // The stuck run: created first, its one map task PENDING and untouched for a day (its
        // message was lost).
        await state.insertRun(makeRun('old-stuck', 0, { stages: [{ name: 'count', mapTasks: 1 }] }));
        await state.insertTasks([makeTask('old-stuck', 0, 'map', 0)]);
        for (let i = 1; i <= 1_200; i++) {
          await state.insertRun(makeRun(`later-${String(i).padStart(4, '0')}`, i, { status: 'DONE' }));
        }
        const { env, published } = harness(dir, state);
        const summary = await sweepAll(env);
        assert.deepEqual(published, [{ topic: 'map', data: { runId: 'old-stuck', taskId: 's0-map-00000' } }]);
        // It has made no progress since its creation: flagged as well as repaired.
        assert.deepEqual(summary, {
          runs: 1,
          republished: 1,
          stalled: 1,
          stalledRunIds: ['old-stuck'],
          errors: 0,
        });
      } finally {
        await state.close();
      }
    }));

  void test('sweeps every RUNNING run page by page, never asking for more than a page of runs', () =>
    withTempDir(async (dir) => {
      const state = new SqliteStateStore(join(dir, 'state.db'));
      try {
        const running = 345;
        for (let i = 0; i < running; i++) {
          const runId = `run-${String(i).padStart(4, '0')}`;
          await state.insertRun(makeRun(runId, i, { stages: [{ name: 'count', mapTasks: 1 }] }));
          await state.insertTasks([makeTask(runId, 0, 'map', 0)]);
          await state.insertRun(makeRun(`done-${i}`, i, { status: i % 2 ? 'DONE' : 'FAILED' }));
        }
        const limits: number[] = [];
        const listRunsPage = state.listRunsPage.bind(state);
        state.listRunsPage = (filter, page) => {
          limits.push(page.limit);
          return listRunsPage(filter, page);
        };
        state.listRuns = () => Promise.reject(new Error('the sweeper must page, not list every run'));
        const { env, published } = harness(dir, state);
        const summary = await sweepAll(env);
        assert.equal(summary.runs, running);
        assert.equal(summary.republished, running);
        assert.equal(summary.stalled, running);
        assert.ok(summary.stalledRunIds.length <= 20, 'the summary names a bounded number of stalled runs');
        assert.deepEqual(
          new Set(published.map((p) => (p.data as { runId: string }).runId)).size,
          running,
          'every RUNNING run got its lost task re-published once',
        );
        assert.ok(limits.length >= 2, `walked ${limits.length} page(s)`);
        assert.ok(Math.max(...limits) <= 100, `asked for up to ${Math.max(...limits)} runs at once`);
      } finally {
        await state.close();
      }
    }));
});
