import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATASTORE_INDEXES, datastoreIndexes, stateKinds } from '../../../src/adapters/gcp/indexes.ts';

void describe('DATASTORE_INDEXES', () => {
  void test('lists the two run indexes behind listRuns, newest first with and without a job filter', () => {
    assert.deepEqual(DATASTORE_INDEXES, [
      {
        kind: 'CloudReduceRun',
        properties: [
          { name: 'createdAt', direction: 'desc' },
          { name: '__key__', direction: 'desc' },
        ],
      },
      {
        kind: 'CloudReduceRun',
        properties: [
          { name: 'job', direction: 'asc' },
          { name: 'createdAt', direction: 'desc' },
          { name: '__key__', direction: 'desc' },
        ],
      },
    ]);
  });

  void test('a kind prefix renames the kinds of every index', () => {
    assert.deepEqual(stateKinds('Staging'), { run: 'StagingRun', task: 'StagingTask' });
    assert.ok(datastoreIndexes('Staging').every((index) => index.kind === 'StagingRun'));
  });
});
