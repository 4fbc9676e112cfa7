// The StateStore contract: every adapter (SqliteStateStore, DatastoreStateStore on the emulator)
// runs these tests. `make` must return an empty, isolated store (own file, namespace or run ids).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import type { StateStore, TaskFilter } from '../../src/ports/state-store.ts';
import { TASK_BATCH_SIZE } from '../../src/ports/state-store.ts';
import { makeRun, makeTask } from './records.ts';

export interface StateStoreFixture {
  store: StateStore;
  cleanup(): Promise<void>;
}

const ids = (tasks: readonly (TaskRecord | undefined)[]): (string | undefined)[] =>
  tasks.map((t) => t?.taskId);
const runIds = (runs: readonly RunRecord[]): string[] => runs.map((r) => r.runId);

export function stateStoreContract(name: string, make: () => Promise<StateStoreFixture>): void {
  async function withStore(fn: (store: StateStore) => Promise<void>): Promise<void> {
    const fixture = await make();
    try {
      await fn(fixture.store);
    } finally {
      await fixture.cleanup();
    }
  }

  void describe(`StateStore contract: ${name}`, () => {
    void test('insertRun creates a run once: a second insert of the runId returns false and changes nothing', () =>
      withStore(async (store) => {
        assert.equal(await store.insertRun(makeRun('r1', 0, { origin: 'cli' })), true);
        assert.equal(await store.insertRun(makeRun('r1', 5, { origin: 'scheduler:nightly' })), false);
        assert.deepEqual(await store.getRun('r1'), makeRun('r1', 0, { origin: 'cli' }));
      }));

    void test('getRun returns undefined for a missing run', () =>
      withStore(async (store) => {
        assert.equal(await store.getRun('nope'), undefined);
      }));

    void test('updateRun stores the mutator result and returns it with changed:true', () =>
      withStore(async (store) => {
        await store.insertRun(makeRun('r1'));
        const result = await store.updateRun('r1', (run) => ({
          ...run,
          phase: 'reduce',
          stages: [{ name: 'x' }],
        }));
        const expected = makeRun('r1', 0, { phase: 'reduce', stages: [{ name: 'x' }] });
        assert.deepEqual(result, { record: expected, changed: true });
        assert.deepEqual(await store.getRun('r1'), expected);
      }));

    void test('updateRun with a mutator returning undefined leaves the run unchanged', () =>
      withStore(async (store) => {
        await store.insertRun(makeRun('r1'));
        const seen: RunRecord[] = [];
        const result = await store.updateRun('r1', (run) => {
          seen.push(run);
          return undefined;
        });
        assert.deepEqual(result, { record: makeRun('r1'), changed: false });
        assert.deepEqual(seen.at(-1), makeRun('r1'));
        assert.deepEqual(await store.getRun('r1'), makeRun('r1'));
      }));

    void test('updateRun of a missing run returns undefined without calling the mutator', () =>
      withStore(async (store) => {
        let calls = 0;
        const result = await store.updateRun('ghost', (run) => {
          calls++;
          return run;
        });
        assert.equal(result, undefined);
        assert.equal(calls, 0);
      }));

    void test('a mutator that throws rejects the update and leaves the record unchanged', () =>
      withStore(async (store) => {
        await store.insertRun(makeRun('r1'));
        await store.insertTasks([makeTask('r1', 0, 'map', 0)]);
        await assert.rejects(
          store.updateRun('r1', () => {
            throw new Error('invariant broken');
          }),
          /invariant broken/,
        );
        await assert.rejects(
          store.updateTask('r1', 's0-map-00000', () => {
            throw new Error('task invariant broken');
          }),
          /task invariant broken/,
        );
        assert.deepEqual(await store.getRun('r1'), makeRun('r1'));
        assert.deepEqual(await store.getTask('r1', 's0-map-00000'), makeTask('r1', 0, 'map', 0));
        assert.equal((await store.updateRun('r1', (r) => ({ ...r, status: 'DONE' })))?.changed, true);
      }));

    void test('listRuns returns runs newest first, honours limit and filters by job', () =>
      withStore(async (store) => {
        assert.deepEqual(await store.listRuns(), []);
        await store.insertRun(makeRun('old', 1));
        await store.insertRun(makeRun('newest', 3, { job: 'tweets' }));
        await store.insertRun(makeRun('middle', 2));
        await store.insertRun(makeRun('oldest', 0, { job: 'tweets' }));
        assert.deepEqual(runIds(await store.listRuns()), ['newest', 'middle', 'old', 'oldest']);
        assert.deepEqual(runIds(await store.listRuns({ limit: 2 })), ['newest', 'middle']);
        assert.deepEqual(runIds(await store.listRuns({ job: 'tweets' })), ['newest', 'oldest']);
        assert.deepEqual(runIds(await store.listRuns({ job: 'wordcount', limit: 1 })), ['middle']);
        assert.deepEqual(runIds(await store.listRuns({ job: 'unknown' })), []);
        assert.deepEqual((await store.listRuns({ limit: 1 }))[0], makeRun('newest', 3, { job: 'tweets' }));
      }));

    void test('listRunsPage walks the runs of one status in runId order, page by page, each once', () =>
      withStore(async (store) => {
        assert.deepEqual(await store.listRunsPage({ status: 'RUNNING' }, { limit: 2 }), { runs: [] });
        for (const [i, id] of ['r5', 'r1', 'r4', 'r2', 'r3', 'r0'].entries()) {
          await store.insertRun(makeRun(id, i, { status: id === 'r4' || id === 'r0' ? 'DONE' : 'RUNNING' }));
        }
        const seen: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listRunsPage(
            { status: 'RUNNING' },
            cursor === undefined ? { limit: 2 } : { limit: 2, cursor },
          );
          assert.ok(seen.length < 4, 'the walk ends');
          seen.push(runIds(page.runs));
          cursor = page.cursor;
        } while (cursor !== undefined);
        assert.deepEqual(seen.flat(), ['r1', 'r2', 'r3', 'r5']);
        assert.ok(seen.every((p) => p.length <= 2));
        const first = await store.listRunsPage({ status: 'RUNNING' }, { limit: 10 });
        assert.deepEqual(first.runs[0], makeRun('r1', 1));
        assert.deepEqual(runIds((await store.listRunsPage({ status: 'DONE' }, { limit: 10 })).runs), [
          'r0',
          'r4',
        ]);
        assert.deepEqual(runIds((await store.listRunsPage({}, { limit: 10 })).runs), [
          'r0',
          'r1',
          'r2',
          'r3',
          'r4',
          'r5',
        ]);
        assert.deepEqual((await store.listRunsPage({ status: 'FAILED' }, { limit: 10 })).runs, []);
      }));

    void test('listRunsPage follows status changes: a run that stopped running leaves the RUNNING list', () =>
      withStore(async (store) => {
        await store.insertRun(makeRun('a'));
        await store.insertRun(makeRun('b'));
        await store.updateRun('a', (r) => ({ ...r, status: 'FAILED' }));
        assert.deepEqual(runIds((await store.listRunsPage({ status: 'RUNNING' }, { limit: 10 })).runs), [
          'b',
        ]);
        assert.deepEqual(runIds((await store.listRunsPage({ status: 'FAILED' }, { limit: 10 })).runs), ['a']);
        await assert.rejects(store.listRunsPage({}, { limit: 0 }), {
          name: 'ConfigError',
          message: 'listRunsPage limit must be a positive integer; got 0.',
        });
      }));

    void test('insertTasks is idempotent: existing tasks are left untouched, new ones inserted', () =>
      withStore(async (store) => {
        await store.insertTasks([makeTask('r1', 0, 'map', 0), makeTask('r1', 0, 'map', 1)]);
        await store.updateTask('r1', 's0-map-00000', (t) => ({ ...t, state: 'RUNNING', attempt: 1 }));
        await store.insertTasks([
          makeTask('r1', 0, 'map', 0, { description: 'replanned' }),
          makeTask('r1', 0, 'map', 1, { description: 'replanned' }),
          makeTask('r1', 0, 'map', 2),
        ]);
        await store.insertTasks([]);
        assert.deepEqual(await store.listTasks('r1'), [
          makeTask('r1', 0, 'map', 0, { state: 'RUNNING', attempt: 1 }),
          makeTask('r1', 0, 'map', 1),
          makeTask('r1', 0, 'map', 2),
        ]);
      }));

    void test('insertTasks stores more tasks than one Datastore commit holds', () =>
      withStore(async (store) => {
        const tasks = Array.from({ length: 1203 }, (_, i) => makeTask('big', 0, 'map', i, { split: { i } }));
        await store.insertTasks(tasks);
        assert.equal(await store.countTasks('big', {}), 1203);
        assert.deepEqual(await store.getTask('big', 's0-map-01202'), tasks[1202]);
      }));

    void test('getTask and getTasks return records in the order asked, undefined for missing ones', () =>
      withStore(async (store) => {
        const rich = makeTask('r1', 0, 'map', 1, {
          split: { file: 'data/a.txt', start: 0, end: 1024 },
          output: { shuffleObject: 'tmp/r1/0/map/1/1', partitions: [{ offset: 0, length: 10, records: 2 }] },
          error: { name: 'TransientError', message: 'lease lost', position: 'data/a.txt:3' },
          counters: { records: 2 },
        });
        await store.insertTasks([makeTask('r1', 0, 'map', 0), rich, makeTask('r2', 0, 'map', 0)]);
        assert.deepEqual(await store.getTask('r1', 's0-map-00001'), rich);
        assert.equal(await store.getTask('r1', 's0-map-00009'), undefined);
        assert.equal(await store.getTask('r3', 's0-map-00000'), undefined);
        const got = await store.getTasks('r1', ['s0-map-00001', 'missing', 's0-map-00000', 's0-map-00001']);
        assert.deepEqual(ids(got), ['s0-map-00001', undefined, 's0-map-00000', 's0-map-00001']);
        assert.deepEqual(got[0], rich);
        assert.deepEqual(await store.getTasks('r1', []), []);
      }));

    void test('updateTask stores the mutator result; undefined leaves it; a missing task returns undefined', () =>
      withStore(async (store) => {
        await store.insertTasks([makeTask('r1', 0, 'map', 0)]);
        const claimed = makeTask('r1', 0, 'map', 0, { state: 'RUNNING', attempt: 1, leaseOwner: 'w1' });
        assert.deepEqual(await store.updateTask('r1', 's0-map-00000', () => claimed), {
          record: claimed,
          changed: true,
        });
        assert.deepEqual(await store.updateTask('r1', 's0-map-00000', () => undefined), {
          record: claimed,
          changed: false,
        });
        assert.deepEqual(await store.getTask('r1', 's0-map-00000'), claimed);
        assert.equal(await store.updateTask('r1', 's0-map-00042', (t) => t), undefined);
        assert.equal(await store.updateTask('r9', 's0-map-00000', (t) => t), undefined);
      }));

    void test('listTasks returns tasks in (stage, phase, index) order and applies every filter', () =>
      withStore(async (store) => {
        const order: [number, 'map' | 'reduce', number][] = [
          [1, 'reduce', 0],
          [0, 'reduce', 1],
          [0, 'map', 10],
          [1, 'map', 0],
          [0, 'map', 2],
          [0, 'reduce', 0],
          [0, 'map', 0],
        ];
        await store.insertTasks(order.map(([s, p, i]) => makeTask('r1', s, p, i)));
        await store.insertTasks([makeTask('other', 0, 'map', 1)]);
        await store.updateTask('r1', 's0-map-00002', (t) => ({ ...t, state: 'DONE' }));
        await store.updateTask('r1', 's1-reduce-00000', (t) => ({ ...t, state: 'DONE' }));
        const all = ['s0-map-00000', 's0-map-00002', 's0-map-00010', 's0-reduce-00000', 's0-reduce-00001'];
        assert.deepEqual(ids(await store.listTasks('r1')), [...all, 's1-map-00000', 's1-reduce-00000']);
        assert.deepEqual(ids(await store.listTasks('r1', { stage: 0 })), all);
        assert.deepEqual(ids(await store.listTasks('r1', { phase: 'reduce' })), [
          's0-reduce-00000',
          's0-reduce-00001',
          's1-reduce-00000',
        ]);
        assert.deepEqual(ids(await store.listTasks('r1', { state: 'DONE' })), [
          's0-map-00002',
          's1-reduce-00000',
        ]);
        assert.deepEqual(ids(await store.listTasks('r1', { stage: 0, phase: 'map', state: 'PENDING' })), [
          's0-map-00000',
          's0-map-00010',
        ]);
        assert.deepEqual(await store.listTasks('nope'), []);
      }));

    void test('countTasks counts the tasks matching a filter', () =>
      withStore(async (store) => {
        const tasks = [0, 1, 2, 3].map((i) => makeTask('r1', 0, 'map', i));
        await store.insertTasks([...tasks, makeTask('r1', 0, 'reduce', 0), makeTask('r2', 0, 'map', 0)]);
        for (const i of [1, 3])
          await store.updateTask('r1', taskIdOf(tasks[i]), (t) => ({ ...t, state: 'DONE' }));
        assert.equal(await store.countTasks('r1', {}), 5);
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map' }), 4);
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map', state: 'DONE' }), 2);
        assert.equal(await store.countTasks('r1', { state: 'PENDING' }), 3);
        assert.equal(await store.countTasks('r1', { stage: 1 }), 0);
        assert.equal(await store.countTasks('missing', {}), 0);
      }));

    void test('listTasksPage walks one (stage, phase) in index order, page by page, honouring filters', () =>
      withStore(async (store) => {
        const tasks = Array.from({ length: 23 }, (_, i) => makeTask('r1', 0, 'map', i));
        await store.insertTasks([...tasks, makeTask('r1', 0, 'reduce', 0), makeTask('r2', 0, 'map', 0)]);
        for (const i of [0, 4, 5, 21])
          await store.updateTask('r1', taskIdOf(tasks[i]), (t) => ({ ...t, state: 'DONE' }));
        const walk = async (filter: TaskFilter, limit: number) => {
          const pages: string[][] = [];
          let cursor: string | undefined;
          do {
            const page = await store.listTasksPage(
              'r1',
              filter,
              cursor === undefined ? { limit } : { limit, cursor },
            );
            assert.ok(page.tasks.length <= limit, `a page holds at most ${limit} tasks`);
            pages.push(ids(page.tasks) as string[]);
            cursor = page.cursor;
          } while (cursor !== undefined);
          return pages;
        };
        const pages = await walk({ stage: 0, phase: 'map' }, 5);
        assert.deepEqual(pages.flat(), ids(tasks));
        assert.ok(pages.length >= 5, 'five pages of five for 23 tasks');
        assert.deepEqual(
          pages.slice(0, 4),
          [0, 5, 10, 15].map((s) => ids(tasks.slice(s, s + 5))),
        );
        assert.deepEqual((await walk({ stage: 0, phase: 'map', state: 'DONE' }, 3)).flat(), [
          's0-map-00000',
          's0-map-00004',
          's0-map-00005',
          's0-map-00021',
        ]);
        assert.deepEqual((await walk({ stage: 0, phase: 'map' }, 100)).flat(), ids(tasks));
        assert.deepEqual(await store.listTasksPage('nope', { stage: 0, phase: 'map' }, { limit: 10 }), {
          tasks: [],
        });
      }));

    void test('the batch filter selects TASK_BATCH_SIZE consecutive indexes, in lists and counts', () =>
      withStore(async (store) => {
        const indexes = [0, 1, TASK_BATCH_SIZE - 1, TASK_BATCH_SIZE, 2 * TASK_BATCH_SIZE + 3];
        const tasks = indexes.map((i) => makeTask('r1', 0, 'map', i));
        await store.insertTasks(tasks);
        await store.updateTask('r1', taskIdOf(tasks[2]), (t) => ({ ...t, state: 'DONE' }));
        await store.updateTask('r1', taskIdOf(tasks[3]), (t) => ({ ...t, state: 'DONE' }));
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map', batch: 0 }), 3);
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map', batch: 0, state: 'DONE' }), 1);
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map', batch: 1, state: 'DONE' }), 1);
        assert.equal(await store.countTasks('r1', { stage: 0, phase: 'map', batch: 3 }), 0);
        assert.deepEqual(ids(await store.listTasks('r1', { batch: 2 })), ids([tasks[4]!]));
      }));

    void test('20 concurrent updateTask increments of one task lose no update', () =>
      withStore(async (store) => {
        await store.insertTasks([makeTask('r1', 0, 'map', 0, { counters: { n: 0 } })]);
        await Promise.all(
          Array.from({ length: 20 }, () =>
            store.updateTask('r1', 's0-map-00000', (t) => ({
              ...t,
              counters: { n: (t.counters?.n ?? 0) + 1 },
            })),
          ),
        );
        assert.deepEqual((await store.getTask('r1', 's0-map-00000'))?.counters, { n: 20 });
      }));

    void test('concurrent "claim if PENDING" mutators let exactly one worker win', () =>
      withStore(async (store) => {
        await store.insertTasks([makeTask('r1', 0, 'map', 0)]);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, w) =>
            store.updateTask('r1', 's0-map-00000', (t) =>
              t.state === 'PENDING'
                ? { ...t, state: 'RUNNING', attempt: t.attempt + 1, leaseOwner: `w${w}` }
                : undefined,
            ),
          ),
        );
        const winners = results.flatMap((r, w) => (r?.changed ? [`w${w}`] : []));
        assert.equal(winners.length, 1, `exactly one winner, got ${JSON.stringify(winners)}`);
        const stored = await store.getTask('r1', 's0-map-00000');
        assert.equal(stored?.leaseOwner, winners[0]);
        assert.equal(stored?.attempt, 1);
        for (const r of results) assert.equal(r?.record.leaseOwner, winners[0], 'losers see the winner');
      }));

    void test('concurrent phase flips of one run let exactly one win', () =>
      withStore(async (store) => {
        await store.insertRun(makeRun('r1'));
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.updateRun('r1', (run) => (run.phase === 'map' ? { ...run, phase: 'reduce' } : undefined)),
          ),
        );
        assert.equal(results.filter((r) => r?.changed).length, 1);
        assert.equal((await store.getRun('r1'))?.phase, 'reduce');
      }));
  });
}

function taskIdOf(task: TaskRecord | undefined): string {
  assert.ok(task);
  return task.taskId;
}
