import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobMessage } from '../../src/core/messages.ts';

test('a well-formed job message is accepted, also as a JSON string', () => {
  assert.deepEqual(parseJobMessage('{"job":"wordcount","params":{"a":1},"shards":4}'), {
    job: 'wordcount',
    params: { a: 1 },
    shards: 4,
  });
});

const bad: [string, unknown, RegExp][] = [
  ['not JSON', '{job', /Job message is not JSON/],
  ['not an object', [1], /must be a JSON object/],
  ['no job', {}, /"job" must be a job name/],
  ['params not an object', { job: 'x', params: 3 }, /"params" must be an object/],
  ['bad shards', { job: 'x', shards: -1 }, /"shards" must be a positive integer/],
  ['unknown field', { job: 'x', shard: 3 }, /unknown field "shard"/],
  ['bad run id', { job: 'x', runId: 'A B' }, /"runId" must be/],
];
for (const [what, data, message] of bad) {
  test(`a malformed job message is a ConfigError: ${what}`, () => {
    assert.throws(
      () => parseJobMessage(data),
      (err: Error) => err.name === 'ConfigError' && message.test(err.message),
    );
  });
}
