// What terraform computes from its variables, evaluated by terraform itself (`terraform console`,
// offline), checked against the code: the functions and their entry points, the topic names, the
// environment the functions parse, and the datastore indexes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASTORE_INDEXES } from '../../src/adapters/gcp/indexes.ts';
import { CLOUD_ENV, CLOUD_ENV_VARS, parseCloudConfig, REQUIRED_ENV_VARS } from '../../src/cloud/config.ts';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES } from '../../src/cloud/functions.ts';
import { TOPICS } from '../../src/ports/message-bus.ts';
import { INDEXES_FILE, indexesDocument, renderIndexesFile } from '../../scripts/package/terraform-indexes.ts';
import { EXAMPLE_TFVARS, evaluate, REPO, writeTfvars } from './helpers.ts';

// Config variables terraform deliberately leaves unset in the cloud: emulator and fake endpoints
// (dev only) and the scratch directory (the OS temp dir is right on Cloud Run).
const NOT_SET_IN_CLOUD: readonly string[] = [
  CLOUD_ENV.pubsubEmulator.name,
  CLOUD_ENV.datastoreEmulator.name,
  CLOUD_ENV.gcsEndpoint.name,
  CLOUD_ENV.bigqueryEndpoint.name,
  CLOUD_ENV.scratchDir.name,
];

interface FunctionSettings {
  entry_point: string;
  trigger: string;
  memory: string;
  timeout_seconds: number;
  concurrency: number;
}

const DEFAULTS = { vars: { project_id: 'test-project-1' } };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-tf-locals-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('functions', () => {
  test('terraform deploys exactly the registered entry points, each on the topic the code says', async () => {
    const functions = (await evaluate('local.functions', DEFAULTS)) as Record<string, FunctionSettings>;
    assert.deepEqual(
      Object.keys(functions).sort(),
      [...FUNCTION_NAMES].sort(),
      'terraform/locals.tf function_defaults must list every entry of CLOUD_FUNCTIONS (src/cloud/functions.ts)',
    );
    for (const f of CLOUD_FUNCTIONS) {
      const settings = functions[f.name]!;
      assert.ok(
        FUNCTION_NAMES.includes(settings.entry_point as never),
        `${f.name}: entry_point "${settings.entry_point}" is not registered; registered: ${FUNCTION_NAMES.join(', ')}`,
      );
      assert.equal(settings.entry_point, f.name, `${f.name}: entry_point must be the registered name`);
      assert.equal(settings.trigger, f.trigger, `${f.name} must be triggered by topic ${f.trigger}`);
    }
  });

  test('per-function overrides replace only the settings they name', async () => {
    const tfvars = await writeTfvars(
      dir,
      'overrides.tfvars',
      'project_id = "test-project-1"\nfunctions = { map = { memory = "2Gi", timeout_seconds = 500 } }\n',
    );
    const functions = (await evaluate('local.functions', { tfvars })) as Record<string, FunctionSettings>;
    assert.equal(functions.map!.memory, '2Gi');
    assert.equal(functions.map!.timeout_seconds, 500);
    assert.equal(functions.map!.concurrency, 1, 'an unset override keeps the default');
    assert.equal(functions.reduce!.memory, '1Gi', 'other functions keep their defaults');
  });

  test('an override for a function that does not exist is refused by variable validation', async () => {
    const tfvars = await writeTfvars(
      dir,
      'unknown.tfvars',
      'project_id = "test-project-1"\nfunctions = { mapper = { memory = "2Gi" } }\n',
    );
    await assert.rejects(
      evaluate('local.functions', { tfvars }),
      /functions may only have keys split, map, reduce, finalize and sweeper/,
    );
  });

  test('the validation list of var.functions is the registered function list', async () => {
    const text = await readFile(join(REPO, 'terraform/variables.tf'), 'utf8');
    const listed = /contains\(\[([^\]]*)\], name\)/.exec(text)?.[1];
    assert.ok(listed, 'variables.tf: var.functions must validate its keys with contains([...], name)');
    const names = [...listed.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names.sort(), [...FUNCTION_NAMES].sort());
  });
});

describe('topics', () => {
  test('with the default prefix, topic names are the defaults of src/cloud/config.ts', async () => {
    const topics = (await evaluate('local.topics', DEFAULTS)) as Record<string, string>;
    assert.deepEqual(Object.keys(topics).sort(), [...TOPICS, 'sweep', 'dead_letter'].sort());
    assert.deepEqual(topics, {
      jobs: CLOUD_ENV.topicJobs.default,
      map: CLOUD_ENV.topicMap.default,
      reduce: CLOUD_ENV.topicReduce.default,
      finalize: CLOUD_ENV.topicFinalize.default,
      sweep: CLOUD_ENV.topicSweep.default,
      dead_letter: CLOUD_ENV.topicDeadLetter.default,
    });
  });
});

describe('function environment', () => {
  test('sets only variables the config parser reads, all of the required ones, and every cloud setting', async () => {
    const env = (await evaluate('local.function_env', DEFAULTS)) as Record<string, string>;
    for (const name of Object.keys(env))
      assert.ok(
        CLOUD_ENV_VARS.includes(name),
        `${name} is set by terraform but src/cloud/config.ts never reads it`,
      );
    for (const name of REQUIRED_ENV_VARS) assert.ok(name in env, `required ${name} is not set by terraform`);
    const expected = CLOUD_ENV_VARS.filter((name) => !NOT_SET_IN_CLOUD.includes(name));
    const missing = expected.filter((name) => !(name in env));
    assert.deepEqual(missing, [], `terraform/locals.tf function_env does not set ${missing.join(', ')}`);
  });

  for (const [label, options] of [
    ['the defaults', DEFAULTS],
    ['the example tfvars', { tfvars: EXAMPLE_TFVARS }],
    [
      'a custom prefix, work prefix and namespace',
      {
        vars: {
          project_id: 'test-project-1',
          name_prefix: 'mr2',
          work_prefix: '/jobs/prod/',
          datastore_namespace: 'mr2',
          job_modules: '["examples/top-users.js"]',
        },
      },
    ],
  ] as const) {
    test(`parses as a valid cloud config with ${label}`, async () => {
      const env = (await evaluate('local.function_env', options)) as Record<string, string>;
      const config = parseCloudConfig(env);
      const topics = (await evaluate('local.topics', options)) as Record<string, string>;
      assert.deepEqual(config.topics, {
        jobs: topics.jobs,
        map: topics.map,
        reduce: topics.reduce,
        finalize: topics.finalize,
      });
      assert.equal(config.deadLetterTopic, topics.dead_letter);
      assert.equal(config.sweepTopic, topics.sweep);
      const buckets = (await evaluate('[local.work_bucket, local.incoming_bucket]', options)) as string[];
      assert.equal(config.workBucket, buckets[0]);
      assert.equal(config.incomingBucket, buckets[1]);
    });
  }

  test('the lifecycle rule prefix is tmp/ under the work prefix, where the engine writes intermediates', async () => {
    assert.equal(await evaluate('local.tmp_prefix', DEFAULTS), 'tmp/');
    const vars = { ...DEFAULTS.vars, work_prefix: '/jobs/prod/' };
    assert.equal(await evaluate('local.tmp_prefix', { vars }), 'jobs/prod/tmp/');
    const env = (await evaluate('local.function_env', { vars })) as Record<string, string>;
    assert.equal(parseCloudConfig(env).workPrefix, 'jobs/prod');
  });

  test('a lease longer than the stall time is refused before anything is deployed', async () => {
    const vars = { ...DEFAULTS.vars, lease_seconds: '600', stall_seconds: '300' };
    await assert.rejects(
      evaluate('local.function_env', { vars }),
      /stall_seconds must be longer than lease_seconds/,
    );
  });
});

describe('datastore indexes', () => {
  test(`${INDEXES_FILE} is generated from DATASTORE_INDEXES and up to date`, async () => {
    const current = await readFile(join(REPO, INDEXES_FILE), 'utf8');
    assert.equal(
      current,
      await renderIndexesFile(DATASTORE_INDEXES, REPO),
      `${INDEXES_FILE} is stale: run \`node scripts/package.ts --terraform-only\` (or npm run package)`,
    );
  });

  test('terraform reads one index per entry of DATASTORE_INDEXES, key last', async () => {
    const indexes = await evaluate('local.datastore_indexes', DEFAULTS);
    const expected = (indexesDocument(DATASTORE_INDEXES) as { locals: { datastore_indexes: unknown } }).locals
      .datastore_indexes;
    assert.deepEqual(indexes, expected);
    const list = Object.values(indexes as Record<string, { kind: string; fields: { field_path: string }[] }>);
    assert.equal(list.length, DATASTORE_INDEXES.length);
    for (const [i, index] of DATASTORE_INDEXES.entries()) {
      const deployed = list.find(
        (d) =>
          d.kind === index.kind &&
          index.properties.every(
            (p, k) => d.fields[k]?.field_path === (p.name === '__key__' ? '__name__' : p.name),
          ),
      );
      assert.ok(deployed, `DATASTORE_INDEXES[${i}] (${index.kind}) has no google_firestore_index`);
      assert.equal(deployed.fields.at(-1)?.field_path, '__name__');
    }
  });
});
