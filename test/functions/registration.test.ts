// The deployable source registers exactly the entry points terraform deploys, each in its own
// functions/<name>/index.ts, without touching any cloud service at import time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES } from '../../functions/index.ts';

const FUNCTIONS_DIR = new URL('../../functions/', import.meta.url);

test('functions/index.ts registers every entry point of FUNCTION_NAMES with its signature', () => {
  assert.deepEqual(
    [...FUNCTION_NAMES],
    ['split', 'map', 'reduce', 'finalize', 'sweeper', 'ingest', 'ingestObject', 'deadLetter'],
  );
  for (const { name, signature } of CLOUD_FUNCTIONS) {
    const fn = getFunction(name);
    assert.equal(typeof fn, 'function', `${name} is registered`);
    if (signature === 'cloudevent')
      assert.equal(fn!.length, 1, `${name} is an async CloudEvent handler (one parameter, no callback)`);
    else assert.equal(fn!.length, 2, `${name} is an HTTP handler (request, response)`);
  }
});

test('each function module has its own directory, and none is left out of the list', () => {
  const dirs = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  // ingest and ingestObject share functions/ingest (one core, two doors).
  const modules = new Set(CLOUD_FUNCTIONS.map((f) => f.module));
  assert.deepEqual(dirs, [...modules].sort());
  for (const dir of modules) assert.ok(existsSync(new URL(`${dir}/index.ts`, FUNCTIONS_DIR)));
});

test('every Pub/Sub-triggered function has its own topic; only ingest is called over HTTP', () => {
  const triggers = CLOUD_FUNCTIONS.map((f) => f.trigger);
  assert.equal(new Set(triggers).size, triggers.length);
  assert.deepEqual(triggers, [
    'jobs',
    'map',
    'reduce',
    'finalize',
    'sweep',
    'http',
    'incoming',
    'dead_letter',
  ]);
  const ids = CLOUD_FUNCTIONS.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  // Service-account ids allow lowercase letters, digits and hyphens only.
  for (const id of ids) assert.match(id, /^[a-z][a-z0-9-]*[a-z0-9]$/);
});
