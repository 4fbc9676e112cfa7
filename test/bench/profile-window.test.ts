import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { CpuProfile } from '../../bench/cpu-profile.ts';
import { summarise } from '../../bench/profile-window.ts';

// root → main → { work, executeMap → scan, executeReduce → decode }, and (idle) under root.
const frame = (id: number, functionName: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url: id > 2 ? 'file:///p/src/x.js' : '', lineNumber: id },
  children,
});
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', [2, 3, 4, 6]),
    frame(2, '(idle)'),
    frame(3, 'work'),
    frame(4, 'executeMap', [5]),
    frame(5, 'scan'),
    frame(6, 'executeReduce', [7]),
    frame(7, 'decode'),
  ],
  startTime: 0,
  // Each sample lasts until the next one: 1 ms apart, in microseconds.
  samples: [3, 5, 5, 2, 2, 5, 7, 2, 7, 3],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

const ms = (seconds: number[]) => seconds.map((x) => Math.round(x * 1000));

describe('profile-window', () => {
  test('the map window runs from the first executeMap sample to the first executeReduce sample', () => {
    const s = summarise(profile, 'executeMap', 'executeReduce')!;
    assert.deepEqual(ms([s.seconds, s.busy, s.idle]), [5, 3, 2]);
    assert.deepEqual(
      s.functions.map(([name, seconds]) => [name, ms([seconds])[0]]),
      [['scan src/x.js:6', 3]],
    );
    assert.deepEqual(
      s.idleAfter.map(([name, seconds]) => [name, ms([seconds])[0]]),
      [['scan < executeMap < (root)', 2]],
    );
  });

  test('without --to the window runs to the end of the profile; the last sample counts no time', () => {
    const s = summarise(profile, 'executeReduce')!;
    assert.deepEqual(ms([s.busy, s.idle]), [2, 1]);
    assert.deepEqual(
      s.functions.map(([name]) => name),
      ['decode src/x.js:8', 'work src/x.js:4'],
    );
  });

  test('a function that never ran gives no window', () => {
    assert.equal(summarise(profile, 'finalize'), undefined);
  });
});
