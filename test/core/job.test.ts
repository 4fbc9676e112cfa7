import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineJob, fromStage } from '../../src/core/job.ts';

const input = { type: 'generated', kind: 'integers', count: 1 };

test('a single-stage job is normalised to one stage named main', () => {
  const job = defineJob({ name: 'one', input, map() {} });
  assert.deepEqual(
    job.stages.map((s) => s.name),
    ['main'],
  );
});

const bad: [string, () => unknown, RegExp][] = [
  ['bad name', () => defineJob({ name: 'Bad Name', input, map() {} }), /Job name "Bad Name" is not valid/],
  [
    'combine without reduce',
    () => defineJob({ name: 'x', input, map() {}, combine: () => [] } as never),
    /combine needs a reduce/,
  ],
  ['no input', () => defineJob({ name: 'x', map() {} } as never), /input is missing/],
  [
    'reads a later stage',
    () =>
      defineJob({
        name: 'x',
        stages: [
          { name: 'a', input: fromStage('b'), map() {} },
          { name: 'b', input, map() {} },
        ],
      }),
    /reads stage "b", which is not an earlier stage/,
  ],
  [
    'duplicate stage names',
    () =>
      defineJob({
        name: 'x',
        stages: [
          { name: 'a', input, map() {} },
          { name: 'a', input, map() {} },
        ],
      }),
    /two stages are named "a"/,
  ],
];
for (const [what, define, message] of bad) {
  test(`defineJob rejects a bad definition with a clear message: ${what}`, () => {
    assert.throws(define, (err: Error) => err.name === 'ConfigError' && message.test(err.message));
  });
}
