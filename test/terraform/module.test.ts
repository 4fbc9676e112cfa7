// terraform/ is a reusable module: it configures no provider, and the example root configurations
// call it with arguments it declares. Plus the defects found by reading the provider's schema and
// docs: the function's source pins the uploaded generation, a schedule cannot take the sweeper's
// name, prefixes Pub/Sub or Cloud Storage reject are refused, BigQuery must be able to load from
// the work bucket's location, and the storage agent's grant does not wait for the API list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  block,
  EXAMPLE_MAIN,
  evaluate,
  loadConfig,
  messagePattern,
  moduleCall,
  resource,
  TWEET_MAIN,
  type Config,
} from './helpers.ts';

let config: Config;
let text: Record<string, string>;
let dir: string;
before(async () => {
  ({ config, text } = await loadConfig());
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-tf-module-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROJECT = { project_id: 'test-project-1' };

describe('a module, called by root configurations', () => {
  test('configures no provider: the root configuration that calls it does', () => {
    assert.deepEqual(Object.keys(config.provider), [], 'no provider block in terraform/*.tf');
  });

  for (const [name, main] of [
    ['wordcount', EXAMPLE_MAIN],
    ['tweet-analytics', TWEET_MAIN],
  ] as const)
    test(`examples/${name} calls the module with declared variables, every required one set`, async () => {
      const call = await moduleCall(main);
      assert.equal(call.source, '../..');
      const declared = config.variable;
      const unknown = Object.keys(call).filter((k) => k !== 'source' && !(k in declared));
      assert.deepEqual(unknown, [], `arguments the module does not declare: ${unknown.join(', ')}`);
      const required = Object.entries(declared)
        .filter(([, [body]]) => !('default' in body!))
        .map(([k]) => k);
      for (const variable of required) assert.ok(variable in call, `${name} must set ${variable}`);
      assert.match(String(call.source_archive), /build\/function-source\.zip/);
    });

  test('the archive defaults to build/function-source.zip beside the root configuration', () => {
    assert.match(
      text['storage.tf']!,
      /coalesce\(var\.source_archive, "\$\{path\.root\}\/\.\.\/build\/function-source\.zip"\)/,
    );
  });
});

describe('defects folded in', () => {
  test("the function's storage_source pins the uploaded object's generation (code updates after the first apply)", () => {
    const fn = resource(config, 'google_cloudfunctions2_function', 'fn');
    const source = block(block(block(fn, 'build_config'), 'source'), 'storage_source');
    assert.equal(source.generation, '${google_storage_bucket_object.source.generation}');
  });

  test('the storage agent data source does not depend on the API list, so its grant is not replaced when an API is added', () => {
    const agent = config.data.google_storage_project_service_account?.incoming?.[0];
    assert.ok(agent);
    assert.equal(agent.depends_on, undefined);
  });

  test('a schedule named sweep is refused: it would be the sweeper tick', async () => {
    await assert.rejects(
      evaluate('var.schedules', {
        args: { ...PROJECT, schedules: { sweep: { schedule: '0 * * * *', job: 'wordcount' } } },
      }),
      messagePattern('schedules must not have one named "sweep"'),
    );
    const ok = await evaluate('keys(var.schedules)', {
      args: { ...PROJECT, schedules: { 'sweep-books': { schedule: '0 * * * *', job: 'wordcount' } } },
    });
    assert.deepEqual(ok, ['sweep-books']);
  });

  for (const prefix of ['goog-mr', 'my-google', 'mr-g00gle'])
    test(`name_prefix ${prefix} is refused (Pub/Sub: no "goog" start; Cloud Storage: no "google")`, async () => {
      await assert.rejects(
        evaluate('var.name_prefix', { args: { ...PROJECT, name_prefix: prefix } }),
        messagePattern('name_prefix must not start with "goog"'),
      );
    });

  test('a prefix merely containing "goo" is fine', async () => {
    assert.equal(
      await evaluate('var.name_prefix', { args: { ...PROJECT, name_prefix: 'goo-mr' } }),
      'goo-mr',
    );
  });

  for (const [bigquery, storage, region] of [
    ['US', null, 'europe-west1'],
    ['EU', null, 'europe-west1'],
    ['EU', 'EU', 'us-central1'],
    ['us-central1', null, 'us-central1'],
    ['asia-northeast1', 'ASIA-NORTHEAST1', 'us-central1'],
  ] as const)
    test(`BigQuery ${bigquery} loads from a work bucket in ${storage ?? region}`, async () => {
      const args = {
        ...PROJECT,
        region,
        bigquery_location: bigquery,
        ...(storage ? { storage_location: storage } : {}),
      };
      assert.equal(await evaluate('var.bigquery_location', { args }), bigquery);
    });

  for (const [bigquery, storage, region] of [
    ['EU', null, 'us-central1'],
    ['EU', null, 'europe-west2'],
    ['europe-west1', 'EU', 'europe-west1'],
    ['asia-northeast1', null, 'us-central1'],
  ] as const)
    test(`BigQuery ${bigquery} cannot load from a work bucket in ${storage ?? region}, and says what to set`, async () => {
      const args = {
        ...PROJECT,
        region,
        bigquery_location: bigquery,
        ...(storage ? { storage_location: storage } : {}),
      };
      await assert.rejects(
        evaluate('var.bigquery_location', { args }),
        messagePattern(
          `bigquery_location ${bigquery} cannot load from the work bucket in ${storage ?? region}`,
        ),
      );
    });
});
