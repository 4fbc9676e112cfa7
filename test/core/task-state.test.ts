import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { committedOutputs, sliceCount, type TaskRecord } from '../../src/core/records.ts';
import {
  claimTask,
  commitSlice,
  commitTask,
  failTask,
  releaseTask,
  renewLease,
  sliceAttempts,
  sumCounters,
} from '../../src/core/task-state.ts';

const base: TaskRecord = {
  runId: 'r',
  taskId: 's0-map-00000',
  stage: 0,
  phase: 'map',
  index: 0,
  state: 'PENDING',
  attempt: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const claim = (now: number, owner = 'w1') => claimTask({ owner, now, leaseMillis: 1000 });

describe('task state machine', () => {
  test('a PENDING task is claimed as attempt 1 with a lease', () => {
    const t = claim(5000)(base)!;
    assert.equal(t.state, 'RUNNING');
    assert.equal(t.attempt, 1);
    assert.equal(t.leaseOwner, 'w1');
    assert.equal(t.leaseExpiresAt, 6000);
  });

  test('a RUNNING task with a live lease cannot be claimed; an expired one can, as the next attempt', () => {
    const running = claim(5000)(base)!;
    assert.equal(claim(5999, 'w2')(running), undefined);
    const stolen = claim(6000, 'w2')(running)!;
    assert.equal(stolen.attempt, 2);
    assert.equal(stolen.leaseOwner, 'w2');
  });

  test('DONE and FAILED tasks are never claimed again', () => {
    assert.equal(claim(0)({ ...base, state: 'DONE' }), undefined);
    assert.equal(claim(0)({ ...base, state: 'FAILED' }), undefined);
  });

  test('only the attempt that holds the task commits; a late attempt changes nothing', () => {
    const first = claim(0)(base)!;
    const second = claim(2000, 'w2')(first)!; // lease of attempt 1 expired
    assert.equal(commitTask(1, {}, {}, 3000)(second), undefined);
    const done = commitTask(2, { shuffleObject: 'o' }, { n: 1 }, 3000)(second)!;
    assert.equal(done.state, 'DONE');
    assert.equal(done.leaseOwner, undefined);
    assert.equal(commitTask(2, {}, {}, 4000)(done), undefined, 'a duplicate commit is a no-op');
  });

  test('a failed attempt goes back to PENDING unless final, and counts failures', () => {
    const running = claim(0)(base)!;
    const retry = failTask(1, { name: 'Error', message: 'boom' }, false, 10)(running)!;
    assert.equal(retry.state, 'PENDING');
    assert.equal(retry.failures, 1);
    assert.equal(retry.error?.message, 'boom');
    const failed = failTask(2, { name: 'Error', message: 'boom' }, true, 20)(claim(10)(retry)!)!;
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.failures, 2);
  });

  test('lease renewal only extends the current attempt of its owner', () => {
    const running = claim(0)(base)!;
    assert.equal(renewLease(1, 'w1', 9000, 100)(running)?.leaseExpiresAt, 9000);
    assert.equal(renewLease(1, 'w2', 9000, 100)(running), undefined);
    assert.equal(renewLease(2, 'w1', 9000, 100)(running), undefined);
  });

  test('release gives a RUNNING task back as PENDING, keeping its attempt count', () => {
    const released = releaseTask(50)(claim(0)(base)!)!;
    assert.equal(released.state, 'PENDING');
    assert.equal(released.attempt, 1);
    assert.equal(releaseTask(50)(base), undefined);
  });

  test('a slice commit releases the task as PENDING with its checkpoint, and the next claim continues it', () => {
    const running = claim(0)(base)!;
    assert.equal(commitSlice(2, {}, {}, { at: 1 }, 10)(running), undefined, 'only the holding attempt');
    const pending = commitSlice(1, { shuffleObject: 'o1' }, { n: 2 }, { at: 5 }, 10)(running)!;
    assert.equal(pending.state, 'PENDING');
    assert.equal(pending.leaseOwner, undefined);
    assert.equal(pending.leaseExpiresAt, undefined);
    assert.deepEqual(pending.checkpoint, { at: 5 });
    assert.deepEqual(pending.slices, [{ attempt: 1, output: { shuffleObject: 'o1' }, counters: { n: 2 } }]);
    assert.deepEqual(pending.counters, { n: 2 });
    assert.equal(
      commitSlice(1, {}, {}, { at: 9 }, 20)(pending),
      undefined,
      'a duplicate slice commit is a no-op',
    );
    const next = claim(20)(pending)!;
    assert.equal(next.attempt, 2);
    assert.deepEqual(next.checkpoint, { at: 5 });
  });

  test('the final commit sums the counters of all slices, drops the checkpoint and keeps every output', () => {
    const sliced = commitSlice(1, { shuffleObject: 'o1' }, { n: 2, a: 1 }, { at: 5 }, 10)(claim(0)(base)!)!;
    const again = commitSlice(2, { shuffleObject: 'o2' }, { n: 3 }, { at: 9 }, 20)(claim(10)(sliced)!)!;
    const done = commitTask(3, { shuffleObject: 'o3' }, { n: 4 }, 30)(claim(20)(again)!)!;
    assert.equal(done.state, 'DONE');
    assert.deepEqual(done.counters, { n: 9, a: 1 });
    assert.equal(done.checkpoint, undefined);
    assert.deepEqual(
      committedOutputs(done).map((o) => o.shuffleObject),
      ['o1', 'o2', 'o3'],
    );
    assert.equal(sliceCount(done), 3);
    assert.deepEqual(
      committedOutputs(again).map((o) => o.shuffleObject),
      ['o1', 'o2'],
      'not DONE: slices only',
    );
  });

  const attemptCases: [string, Partial<TaskRecord>, number][] = [
    ['no slices: every claim', { attempt: 3 }, 3],
    ['claims since the last slice', { attempt: 7, slices: [{ attempt: 5, output: {}, counters: {} }] }, 2],
    ['first claim after a slice', { attempt: 6, slices: [{ attempt: 5, output: {}, counters: {} }] }, 1],
  ];
  for (const [name, fields, want] of attemptCases) {
    test(`attempts that count against maxAttempts: ${name}`, () => {
      assert.equal(sliceAttempts({ ...base, ...fields }), want);
    });
  }

  test('counters are summed by name', () => {
    assert.deepEqual(sumCounters([{ a: 1, b: 2 }, undefined, { a: 3 }]), { a: 4, b: 2 });
  });
});
