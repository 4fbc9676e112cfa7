import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Datastore } from '@google-cloud/datastore';
import { DatastoreStateStore } from '../../../src/adapters/gcp/datastore-state-store.ts';
import { stateStoreContract } from '../../contracts/state-store.ts';
import { makeRun, makeTask } from '../../contracts/records.ts';
import { emulatorEnv } from '../../fakes/emulator-env.ts';

const env = emulatorEnv();
const datastore = new Datastore({ projectId: env.projectId, apiEndpoint: env.datastoreHost });

/** Every store gets its own namespace; deleting its entities is the cleanup. */
function makeStore(): { store: DatastoreStateStore; namespace: string; cleanup: () => Promise<void> } {
  const namespace = `test-${randomUUID()}`;
  const store = new DatastoreStateStore({ projectId: env.projectId, datastore, namespace });
  const cleanup = async (): Promise<void> => {
    for (const kind of ['CloudReduceRun', 'CloudReduceTask']) {
      const [keys] = await datastore.runQuery(datastore.createQuery(namespace, kind).select('__key__'));
      const all = keys.map((e) => e[datastore.KEY]);
      for (let i = 0; i < all.length; i += 500) await datastore.delete(all.slice(i, i + 500));
    }
  };
  return { store, namespace, cleanup };
}

stateStoreContract('DatastoreStateStore on the Firestore emulator (Datastore mode)', async () => makeStore());

void describe('DatastoreStateStore', () => {
  void test('records are one unindexed JSON property beside indexed query fields', async () => {
    const { store, namespace, cleanup } = makeStore();
    try {
      await store.insertRun(makeRun('r1'));
      await store.insertTasks([makeTask('r1', 2, 'reduce', 7)]);
      const [task] = await datastore.get(
        datastore.key({ namespace, path: ['CloudReduceTask', 'r1/s2-reduce-00007'] }),
      );
      assert.deepEqual(
        { runId: task.runId, stage: task.stage, phase: task.phase, index: task.index, state: task.state },
        { runId: 'r1', stage: 2, phase: 'reduce', index: 7, state: 'PENDING' },
      );
      assert.deepEqual(JSON.parse(task.record as string), makeTask('r1', 2, 'reduce', 7));
      const [run] = await datastore.get(datastore.key({ namespace, path: ['CloudReduceRun', 'r1'] }));
      assert.equal(run.job, 'wordcount');
      assert.equal(run.createdAt, makeRun('r1').createdAt);
    } finally {
      await cleanup();
    }
  });

  void test('a kind prefix and namespace keep two deployments apart', async () => {
    const { store, namespace, cleanup } = makeStore();
    const other = new DatastoreStateStore({
      projectId: env.projectId,
      datastore,
      namespace,
      kindPrefix: 'Other',
    });
    try {
      await store.insertRun(makeRun('shared-id'));
      assert.equal(await other.getRun('shared-id'), undefined);
      assert.equal(await other.insertRun(makeRun('shared-id')), true);
      const [keys] = await datastore.runQuery(datastore.createQuery(namespace, 'OtherRun').select('__key__'));
      await datastore.delete(keys.map((e) => e[datastore.KEY]));
    } finally {
      await cleanup();
    }
  });

  void test('updates racing from separate store instances (as from separate instances of a function) all land', async () => {
    const { store, namespace, cleanup } = makeStore();
    try {
      await store.insertTasks([makeTask('r1', 0, 'map', 0, { counters: { n: 0 } })]);
      const stores = [0, 1, 2].map(
        () => new DatastoreStateStore({ projectId: env.projectId, datastore, namespace }),
      );
      await Promise.all(
        stores.map((s) =>
          s.updateTask('r1', 's0-map-00000', (t) => ({ ...t, counters: { n: (t.counters?.n ?? 0) + 1 } })),
        ),
      );
      assert.deepEqual((await store.getTask('r1', 's0-map-00000'))?.counters, { n: 3 });
    } finally {
      await cleanup();
    }
  });

  void test('a mutator that changes the record key is rejected with a NonRetryableError', async () => {
    const { store, cleanup } = makeStore();
    try {
      await store.insertRun(makeRun('r1'));
      await assert.rejects(
        store.updateRun('r1', (r) => ({ ...r, runId: 'r2' })),
        {
          name: 'NonRetryableError',
          message: /A mutator for run r1 returned run r2/,
        },
      );
    } finally {
      await cleanup();
    }
  });

  void test('a record too big for one entity is rejected, naming the task', async () => {
    const { store, cleanup } = makeStore();
    try {
      await assert.rejects(
        store.insertTasks([makeTask('r1', 0, 'map', 0, { split: 'x'.repeat(1_100_000) })]),
        {
          name: 'NonRetryableError',
          message: /The record of task s0-map-00000 of run r1 is \d+ bytes/,
        },
      );
    } finally {
      await cleanup();
    }
  });
});
