import { test } from 'node:test';
import assert from 'node:assert/strict';
import { materializeParams, param, parseParamArgs, resolveParams } from '../../src/core/params.ts';

const schema = {
  days: param.int({ default: 4, min: 1, description: 'window' }),
  ratio: param.number({ max: 1 }),
  dryRun: param.boolean({ default: false }),
  now: param.datetime({ default: 'runStart' }),
  day: param.date(),
  mode: param.enum(['fast', 'slow'] as const, { default: 'fast' }),
  name: param.string({ required: true }),
};
const start = new Date('2026-11-21T10:00:00Z');

test('params from the command line are converted, defaults filled, runStart resolved', () => {
  const p = resolveParams(
    'j',
    schema,
    parseParamArgs(['days=7', 'dryRun=true', 'name=x', 'day=2026-11-20']),
    start,
  );
  assert.deepEqual(p, {
    days: 7,
    dryRun: true,
    now: '2026-11-21T10:00:00.000Z',
    day: '2026-11-20',
    mode: 'fast',
    name: 'x',
  });
  assert.ok(materializeParams(schema, p).now instanceof Date);
});

test('a date param takes today, yesterday and today-N, resolved against the run start (UTC day)', () => {
  const day = (text: string, at = start) => resolveParams('j', schema, { name: 'x', day: text }, at).day;
  assert.equal(day('today'), '2026-11-21');
  assert.equal(day('yesterday'), '2026-11-20');
  assert.equal(day('today-7'), '2026-11-14');
  // Across a month and a year boundary, and just after midnight UTC.
  assert.equal(day('yesterday', new Date('2026-03-01T00:10:00Z')), '2026-02-28');
  assert.equal(day('today-1', new Date('2027-01-01T01:30:00Z')), '2026-12-31');
  // An explicit day is taken as is.
  assert.equal(day('2026-01-05'), '2026-01-05');
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['unknown param', { name: 'x', dayz: 3 }, /unknown param "dayz"; allowed: days, ratio/],
  ['below minimum', { name: 'x', days: '0' }, /param "days" is 0, below the minimum 1/],
  ['not a whole number', { name: 'x', days: '2.5' }, /must be a whole number/],
  ['not a number', { name: 'x', ratio: 'abc' }, /param "ratio" must be a number, got "abc"/],
  ['bad boolean', { name: 'x', dryRun: 'yes' }, /must be true or false/],
  ['bad datetime', { name: 'x', now: 'yesterday' }, /ISO 8601 datetime/],
  [
    'bad date',
    { name: 'x', day: '20-11-2026' },
    /must be a date like 2026-11-21 \(or today, yesterday, today-N\)/,
  ],
  ['bad relative date', { name: 'x', day: 'tomorrow' }, /must be a date like 2026-11-21/],
  ['bad enum', { name: 'x', mode: 'medium' }, /param "mode" is "medium" \(expected one of fast\|slow/],
  ['missing required', {}, /param "name" is required/],
];
for (const [what, raw, message] of bad) {
  test(`a bad param is rejected with a message saying what is allowed: ${what}`, () => {
    assert.throws(
      () => resolveParams('j', schema, raw, start),
      (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, message);
        assert.match(err.message, /cloudreduce run j --help/);
        return true;
      },
    );
  });
}

test('a --param without "=" is explained', () => {
  assert.throws(() => parseParamArgs(['days']), /not of the form name=value/);
});
