// When a slice ends: at the first resumable point past its deadline, having done at least one
// record or key; and when its setup (claim, index, sources, merges, skipping) took longer than
// the budget, not before it has worked as long as the setup took, capped by the window's limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../src/core/defaults.ts';
import { functionTaskLimitMillis, SliceClock, type SliceWindow } from '../../src/core/slice-clock.ts';

/** Calls due() at each time of `times` (the clock's reading then); the index of the first true. */
function endsAt(window: SliceWindow | undefined, times: number[]): number | undefined {
  let t = 0;
  const clock = new SliceClock(window, () => t);
  for (let i = 0; i < times.length; i++) {
    t = times[i]!;
    if (clock.due()) return t;
  }
  return undefined;
}

test('a slice ends at the first record past its deadline, never before its first', () => {
  const w = { started: 0, deadline: 100, limit: 100 };
  assert.equal(endsAt(w, [10, 50, 99, 100, 120]), 100);
  // Already past the deadline at the first record: that record is still done.
  assert.equal(endsAt(w, [150, 151]), 151);
});

test('a slice whose setup ate its budget works as long as the setup took', () => {
  // Setup took 300 ms of a 100 ms budget: the slice works until 600, not one record.
  const w = { started: 0, deadline: 100, limit: 30_100 };
  assert.equal(endsAt(w, [300, 301, 450, 599, 600, 700]), 600);
  // A short setup leaves the deadline as it was.
  assert.equal(endsAt(w, [20, 60, 100, 101]), 100);
});

test('the extension stops at the limit, and a limit below the deadline changes nothing', () => {
  assert.equal(endsAt({ started: 0, deadline: 100, limit: 400 }, [300, 399, 400, 500]), 400);
  assert.equal(endsAt({ started: 0, deadline: 100, limit: 50 }, [300, 301]), 301);
});

test('without a window a slice never ends, and disable() stops a window', () => {
  assert.equal(endsAt(undefined, [0, 1e9]), undefined);
  let t = 0;
  const clock = new SliceClock({ started: 0, deadline: 0, limit: 0 }, () => t);
  clock.disable();
  t = 1e9;
  assert.equal(clock.due(), false);
  assert.equal(clock.due(), false);
});

test("a function's limit keeps half the 60 s margin terraform leaves, never past 510 s", () => {
  assert.equal(functionTaskLimitMillis(DEFAULTS.cloudTaskBudgetMillis), 450_000);
  assert.equal(functionTaskLimitMillis(1_000), 31_000);
  assert.equal(functionTaskLimitMillis(500_000), 510_000);
});
