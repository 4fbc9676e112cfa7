// The progress line on a terminal is redrawn in place, so it must fit the terminal's width: a
// wrapped line leaves its first part behind on every redraw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter } from '../../src/cli/progress.ts';
import { cutToWidth } from '../../src/cli/watch.ts';
import type { RunRecord } from '../../src/core/records.ts';
import type { StateStore } from '../../src/ports/state-store.ts';

function terminal(columns: number) {
  const writes: string[] = [];
  const stream = { isTTY: true, columns, write: (s: string) => writes.push(s) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

const run: RunRecord = {
  runId: 'tweet-analytics-20261202-101010-abcdef',
  job: 'tweet-analytics',
  params: {},
  options: { partitions: 4, memoryBudgetBytes: 1 << 26, maxAttempts: 3 },
  status: 'RUNNING',
  stage: 1,
  phase: 'map',
  stages: [{ name: 'word-counts-per-hour' }, { name: 'co-occurring-word-pairs', mapTasks: 16 }],
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
};
const state = { countTasks: async () => 5 } as unknown as StateStore;

test('on a 40-column terminal the progress line is cut to 39 characters and never wraps', async () => {
  const { stream, writes } = terminal(40);
  const progress = new ProgressReporter(stream);
  progress.taskProgress('s1-map-00000', 123_456);
  await progress.tick(run, state);
  assert.equal(writes.length, 1);
  const line = writes[0]!.replace('\r\x1b[2K', '');
  assert.equal([...line].length, 39);
  assert.ok(line.startsWith('co-occurring-word-pairs map      ███'), line);
  assert.ok(line.endsWith('…'), line);
});

test('on a wide terminal the whole line shows, with records and rate for a local run', async () => {
  const { stream, writes } = terminal(200);
  const progress = new ProgressReporter(stream);
  progress.taskProgress('s1-map-00000', 123_456);
  await progress.tick(run, state);
  assert.match(
    writes[0]!,
    /co-occurring-word-pairs map {6}█+░+ 5\/16 tasks · 123k records · \d+\/s · 00:00$/,
  );
});

test('a cloud run (no per-record reports) shows tasks without a made-up zero rate', async () => {
  const { stream, writes } = terminal(200);
  await new ProgressReporter(stream).tick(run, state);
  assert.match(writes[0]!, /5\/16 tasks · 00:00$/);
});

test('cutToWidth keeps short lines and counts characters, not UTF-16 units', () => {
  assert.equal(cutToWidth('short', 80), 'short');
  assert.equal(cutToWidth('█'.repeat(10), 6), '████…');
});
