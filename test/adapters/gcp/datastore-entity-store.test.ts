import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Datastore } from '@google-cloud/datastore';
import { DatastoreEntityStore } from '../../../src/adapters/gcp/datastore-entity-store.ts';
import { entityStoreContract } from '../../contracts/entity-store.ts';
import { collect, queryIds, seed, uniqueKind } from '../../contracts/entity-store-helpers.ts';
import { emulatorEnv } from '../../fakes/emulator-env.ts';

const env = emulatorEnv();
const datastore = new Datastore({ projectId: env.projectId, apiEndpoint: env.datastoreHost });

// Every contract test uses kinds (and namespaces) of its own, so the store needs no cleanup.
entityStoreContract('DatastoreEntityStore on the Firestore emulator (Datastore mode)', async () => ({
  store: new DatastoreEntityStore({ projectId: env.projectId, apiEndpoint: env.datastoreHost }),
  cleanup: async () => {},
}));

void describe('DatastoreEntityStore', () => {
  const store = new DatastoreEntityStore({
    projectId: env.projectId,
    datastore,
    integerProperties: ['count'],
  });

  void test('numbers are stored as doubles, integerProperties as int64 that filters match', async () => {
    const kind = uniqueKind('Ints');
    await seed(store, kind, [['a', { count: 5, ratio: 2 }]]);
    const [raw] = await datastore.get(datastore.key([kind, 'a']), { wrapNumbers: true });
    assert.equal(raw.count.type, 'DatastoreInt');
    assert.equal(typeof raw.ratio, 'number');
    // An int64 property written by another program is matched by an integer filter on it.
    await datastore.upsert({ key: datastore.key([kind, 'b']), data: { count: datastore.int(7) } });
    assert.deepEqual(await queryIds(store, { kind, filters: [{ property: 'count', op: '>', value: 6 }] }), [
      'b',
    ]);
  });

  void test('integers beyond 2^53 written by other programs are read as decimal strings', async () => {
    const kind = uniqueKind('BigVal');
    await datastore.upsert({
      key: datastore.key([kind, 'x']),
      data: { tweetId: datastore.int('1234567890123456789') },
    });
    const [got] = await store.get([{ kind, name: 'x' }]);
    assert.equal(got?.properties.tweetId, '1234567890123456789');
  });

  void test('strings longer than an index entry are stored unindexed instead of failing', async () => {
    const kind = uniqueKind('Long');
    await seed(store, kind, [['doc', { body: 'x'.repeat(5000) }]]);
    assert.equal((await collect(store.query({ kind })))[0]?.properties.body, 'x'.repeat(5000));
  });

  void test('keys must have exactly one of a 64-bit decimal id or a name', async () => {
    await assert.rejects(store.get([{ kind: 'K', id: '12a' }]), {
      name: 'ConfigError',
      message: /not a positive 64-bit/,
    });
    await assert.rejects(store.get([{ kind: 'K', id: '1', name: 'x' }]), {
      name: 'ConfigError',
      message: /exactly one of id/,
    });
    await assert.rejects(store.get([{ kind: 'K', id: '9223372036854775808' }]), { name: 'ConfigError' });
  });

  void test('without a __scatter__ sample, a kind larger than maxScanKeys is one range', async () => {
    const kind = uniqueKind('Scan');
    await seed(
      store,
      kind,
      Array.from({ length: 30 }, (_, i) => [`k${i}`, { i }] as [string, { i: number }]),
    );
    const small = new DatastoreEntityStore({ projectId: env.projectId, datastore, maxScanKeys: 20 });
    assert.deepEqual(await small.splitKeyRanges({ kind }, 4), [{}]);
    assert.equal((await store.splitKeyRanges({ kind }, 4)).length, 4);
  });
});
