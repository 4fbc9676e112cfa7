import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Datastore } from '@google-cloud/datastore';
import { DatastoreEntityStore } from '../../../src/adapters/gcp/datastore-entity-store.ts';
import { keepStoredTypes } from '../../../src/ports/entity-store.ts';
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

  void test('a bigint is stored as an integer and filters integers; reads give numbers or decimal strings', async () => {
    const kind = uniqueKind('BigInt');
    await seed(store, kind, [
      ['a', { n: 5n, huge: 1234567890123456789n, list: [1n, 2.5] }],
      ['b', { n: 9n }],
    ]);
    const [raw] = await datastore.get(datastore.key([kind, 'a']), { wrapNumbers: true });
    assert.equal(raw.n.type, 'DatastoreInt');
    assert.equal(raw.huge.value, '1234567890123456789');
    assert.equal(raw.list[0].type, 'DatastoreInt');
    assert.equal(typeof raw.list[1], 'number');
    const [got] = await store.get([{ kind, name: 'a' }]);
    assert.deepEqual(got?.properties, { n: 5, huge: '1234567890123456789', list: [1, 2.5] });
    assert.deepEqual(await queryIds(store, { kind, filters: [{ property: 'n', op: '>', value: 6n }] }), [
      'b',
    ]);
  });

  void test('read-modify-write keeps the stored type of unchanged properties (keepStoredTypes carries it)', async () => {
    const kind = uniqueKind('Typed');
    const key = datastore.key([kind, 'e']);
    await datastore.upsert({
      key,
      data: {
        tally: datastore.int(3),
        whole: datastore.double(2),
        nested: { deep: datastore.int(4) },
        blob: Buffer.from('hi'),
        drop: 1,
      },
    });
    const [read] = await store.get([{ kind, name: 'e' }]);
    const { drop: _drop, ...rest } = read!.properties;
    // Spreading drops what the store recorded: the values are then written by the default rules.
    const changed = keepStoredTypes(read!.properties, { ...rest, tally: 4 });
    await store.upsert([{ key: read!.key, properties: changed }]);
    const [raw] = await datastore.get(key, { wrapNumbers: true });
    assert.equal('drop' in raw, false);
    assert.equal(
      raw.tally,
      4,
      'a changed number is written as a double (an integer would come back wrapped)',
    );
    assert.equal(raw.whole, 2, 'an integral double stays a double (an integer would come back wrapped)');
    assert.equal(raw.nested.deep.type, 'DatastoreInt', 'an unchanged embedded integer stays an integer');
    assert.ok(Buffer.isBuffer(raw.blob), 'an unchanged blob stays a blob, not its base64 text');

    // Without keepStoredTypes (a plain spread) nothing is carried: the default rules write the
    // integer as a double. This is what keepStoredTypes (and the migrations, which use it) avoids.
    const [again] = await store.get([{ kind, name: 'e' }]);
    await store.upsert([{ key: again!.key, properties: { ...again!.properties, tally: 5 } }]);
    await store.upsert([{ key: again!.key, properties: { ...again!.properties } }]);
    const [plain] = await datastore.get(key, { wrapNumbers: true });
    assert.equal(plain.nested.deep, 4, 'an embedded integer written without the record becomes a double');
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
