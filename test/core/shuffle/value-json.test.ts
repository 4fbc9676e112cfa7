// parseValueJson reads plain integers digit by digit and hands everything else to JSON.parse: it
// must give exactly what JSON.parse gives, and throw where JSON.parse throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/core/prng.ts';
import { parseValueJson, valueToJson } from '../../../src/core/shuffle/value-json.ts';

function same(text: string): void {
  let expected: { value: unknown } | { error: string };
  try {
    expected = { value: JSON.parse(text) };
  } catch (err) {
    expected = { error: (err as Error).name };
  }
  let actual: { value: unknown } | { error: string };
  try {
    actual = { value: parseValueJson(text) };
  } catch (err) {
    actual = { error: (err as Error).name };
  }
  assert.deepEqual(actual, expected, `parseValueJson(${JSON.stringify(text)})`);
  if ('value' in actual && typeof actual.value === 'number')
    assert.equal(Object.is(actual.value, -0), Object.is((expected as { value: number }).value, -0));
}

test('parseValueJson agrees with JSON.parse on the edges of the integer fast path', () => {
  const edges = [
    '',
    '0',
    '00',
    '01',
    '7',
    '10',
    '99',
    '123456789',
    '999999999',
    '1000000000',
    '1234567890',
    '-0',
    '-1',
    '+1',
    '1.5',
    '1e3',
    '1E3',
    ' 1',
    '1 ',
    '0x1',
    '٣',
    '１',
    '"1"',
    'null',
    'true',
    '[1]',
    '{"a":1}',
    '9007199254740993',
    '1/',
    '1:',
    '/',
    ':',
  ];
  for (const text of edges) same(text);
});

test('parseValueJson agrees with JSON.parse on random short texts and on every emitted number form', () => {
  const r = mulberry32(12);
  const alphabet = '0123456789-+.eE /:"[]x';
  for (let i = 0; i < 20000; i++) {
    const length = Math.floor(r() * 12);
    let text = '';
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(r() * alphabet.length)];
    same(text);
  }
  for (let i = 0; i < 20000; i++) {
    const n = r() < 0.5 ? Math.floor(r() * 2 ** (r() * 40)) : (r() - 0.5) * 10 ** Math.floor(r() * 12);
    const text = valueToJson('k', n);
    same(text);
    assert.equal(parseValueJson(text), n);
  }
});
