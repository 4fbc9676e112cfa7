// The deployable source registers exactly the entry points terraform deploys, each in its own
// functions/<name>/index.ts, without touching any cloud service at import time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES } from '../../functions/index.ts';
import { NOT_YET_DEPLOYED } from '../../src/cloud/functions.ts';

const FUNCTIONS_DIR = new URL('../../functions/', import.meta.url);

test('functions/index.ts registers every entry point of FUNCTION_NAMES as a CloudEvent function', () => {
  assert.deepEqual([...FUNCTION_NAMES], ['split', 'map', 'reduce', 'finalize', 'sweeper']);
  for (const name of FUNCTION_NAMES) {
    const fn = getFunction(name);
    assert.equal(typeof fn, 'function', `${name} is registered`);
    assert.equal(fn!.length, 1, `${name} is an async CloudEvent handler (one parameter, no callback)`);
  }
});

test('each entry point has its own thin module, and no module is left out of the list', () => {
  const dirs = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  // Only the modules named as not deployed yet may exist outside the deployed list.
  assert.deepEqual(dirs, [...FUNCTION_NAMES, ...NOT_YET_DEPLOYED].sort());
  for (const name of FUNCTION_NAMES) assert.ok(existsSync(new URL(`${name}/index.ts`, FUNCTIONS_DIR)));
});

test('every function is triggered by its own topic', () => {
  const triggers = CLOUD_FUNCTIONS.map((f) => f.trigger);
  assert.equal(new Set(triggers).size, triggers.length);
  assert.deepEqual(triggers, ['jobs', 'map', 'reduce', 'finalize', 'sweep']);
});
