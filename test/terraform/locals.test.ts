// What terraform computes from its variables, evaluated by terraform itself (`terraform console`,
// offline), checked against the code: the functions (ids, entry points, triggers, which get a push
// subscription), the topic names, the environment the functions parse, the ingest prefixes, the
// variable validations that guard names and invokers, and the datastore indexes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASTORE_INDEXES } from '../../src/adapters/gcp/indexes.ts';
import { CLOUD_ENV, CLOUD_ENV_VARS, parseCloudConfig, REQUIRED_ENV_VARS } from '../../src/cloud/config.ts';
import { CLOUD_FUNCTIONS, FUNCTION_NAMES, PUSH_FUNCTIONS } from '../../src/cloud/functions.ts';
import { INGEST_PREFIX, RESULTS_PREFIX } from '../../src/ingest/object.ts';
import { TOPICS } from '../../src/ports/message-bus.ts';
import { INDEXES_FILE, indexesDocument, renderIndexesFile } from '../../scripts/terraform-indexes.ts';
import { EXAMPLE_TFVARS, evaluate, messagePattern, REPO, writeTfvars } from './helpers.ts';

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
  cpu: string | null;
  timeout_seconds: number;
  concurrency: number;
}

const FUNCTION_IDS: readonly string[] = CLOUD_FUNCTIONS.map((f) => f.id);

const DEFAULTS = { vars: { project_id: 'test-project-1' } };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-tf-locals-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('functions', () => {
  test('terraform deploys exactly the registered functions, keyed by id, each with its entry point and trigger', async () => {
    const functions = (await evaluate('local.functions', DEFAULTS)) as Record<string, FunctionSettings>;
    assert.deepEqual(
      Object.keys(functions).sort(),
      [...FUNCTION_IDS].sort(),
      'terraform/locals.tf function_defaults must be keyed by the id of every entry of CLOUD_FUNCTIONS (src/cloud/functions.ts)',
    );
    for (const f of CLOUD_FUNCTIONS) {
      const settings = functions[f.id]!;
      assert.ok(
        FUNCTION_NAMES.includes(settings.entry_point as never),
        `${f.id}: entry_point "${settings.entry_point}" is not registered; registered: ${FUNCTION_NAMES.join(', ')}`,
      );
      assert.equal(settings.entry_point, f.name, `${f.id}: entry_point must be the registered name`);
      assert.equal(settings.trigger, f.trigger, `${f.id} must be triggered by ${f.trigger}`);
    }
    assert.deepEqual(
      Object.values(functions)
        .map((f) => f.entry_point)
        .sort(),
      [...FUNCTION_NAMES].sort(),
      'every registered entry point is deployed exactly once',
    );
  });

  test('push subscriptions (and the push invoker grants) are for exactly PUSH_FUNCTIONS: not HTTP ingest', async () => {
    const push = (await evaluate('local.push_functions', DEFAULTS)) as Record<string, FunctionSettings>;
    assert.deepEqual(Object.keys(push).sort(), PUSH_FUNCTIONS.map((f) => f.id).sort());
    assert.ok(!('ingest' in push), 'the HTTP ingest function is called directly, never pushed to');
    assert.ok('ingest-object' in push, 'ingest-object gets the incoming bucket notifications by push');
    for (const f of PUSH_FUNCTIONS) assert.equal(push[f.id]!.trigger, f.trigger);
  });

  test('default settings pass the deploy preconditions: concurrency above 1 only with a whole CPU', async () => {
    const functions = (await evaluate('local.functions', DEFAULTS)) as Record<string, FunctionSettings>;
    for (const [id, f] of Object.entries(functions))
      assert.ok(
        f.concurrency === 1 || Number(f.cpu) >= 1,
        `${id}: concurrency ${f.concurrency} needs cpu >= 1, has ${f.cpu}`,
      );
    assert.ok(functions.ingest!.concurrency > 1, 'ingest serves several short requests per instance');
    assert.equal(functions['ingest-object']!.concurrency, 1, 'ingest-object reads an object whole');
    assert.ok(
      functions['ingest-object']!.timeout_seconds + 30 <= 600,
      "the push ack deadline (timeout + 30 s) fits Pub/Sub's 600 s maximum",
    );
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

  test('an override of ingest-object, keyed by its id, is accepted', async () => {
    const tfvars = await writeTfvars(
      dir,
      'ingest-object.tfvars',
      'project_id = "test-project-1"\nfunctions = { ingest-object = { memory = "2Gi" } }\n',
    );
    const functions = (await evaluate('local.functions', { tfvars })) as Record<string, FunctionSettings>;
    assert.equal(functions['ingest-object']!.memory, '2Gi');
    assert.equal(functions['ingest-object']!.entry_point, 'ingestObject');
  });

  test('an override for a function that does not exist is refused by variable validation', async () => {
    for (const unknown of ['mapper', 'ingestObject']) {
      const tfvars = await writeTfvars(
        dir,
        'unknown.tfvars',
        `project_id = "test-project-1"\nfunctions = { ${unknown} = { memory = "2Gi" } }\n`,
      );
      await assert.rejects(
        evaluate('local.functions', { tfvars }),
        messagePattern(
          'functions may only have keys split, map, reduce, finalize, sweeper, ingest, ingest-object and dead-letter',
        ),
        `functions.${unknown}`,
      );
    }
  });

  test('the validation list of var.functions is the registered function ids', async () => {
    const text = await readFile(join(REPO, 'terraform/variables.tf'), 'utf8');
    const listed = /contains\(\[([^\]]*)\], name\)/.exec(text)?.[1];
    assert.ok(listed, 'variables.tf: var.functions must validate its keys with contains([...], name)');
    const names = [...listed.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names.sort(), [...FUNCTION_IDS].sort());
  });

  test('name_prefix is refused when <prefix>-<id> would be too long a service account id', async () => {
    // Service account ids are 6-30 characters; the longest suffix is a function id (or push/build).
    const longest = Math.max(...[...FUNCTION_IDS, 'push', 'build'].map((id) => id.length));
    const maxPrefix = 30 - 1 - longest;
    const prefix = (n: number): string => 'c'.repeat(n);
    await evaluate('local.topics', { vars: { ...DEFAULTS.vars, name_prefix: prefix(maxPrefix) } });
    await assert.rejects(
      evaluate('local.topics', { vars: { ...DEFAULTS.vars, name_prefix: prefix(maxPrefix + 1) } }),
      /name_prefix must be/,
      `a ${maxPrefix + 1}-character prefix makes a ${maxPrefix + 2 + longest}-character account id`,
    );
    const shortest = Math.min(...[...FUNCTION_IDS, 'push', 'build'].map((id) => id.length));
    await evaluate('local.topics', { vars: { ...DEFAULTS.vars, name_prefix: 'cr1' } });
    assert.ok(3 + 1 + shortest >= 6, 'the shortest prefix still gives account ids of 6 characters');
  });
});

describe('ingest', () => {
  test('the notified and results prefixes are the ones src/ingest/object.ts uses', async () => {
    assert.equal(await evaluate('local.ingest_prefix', DEFAULTS), INGEST_PREFIX);
    assert.equal(await evaluate('local.ingest_results_prefix', DEFAULTS), RESULTS_PREFIX);
    assert.ok(
      !RESULTS_PREFIX.startsWith(INGEST_PREFIX),
      'results must not be under the notified prefix, or each result would trigger ingest-object again',
    );
  });

  test('ingest_invokers takes IAM members and defaults to nobody', async () => {
    assert.deepEqual(await evaluate('var.ingest_invokers', DEFAULTS), []);
    assert.deepEqual(await evaluate('var.ingest_invokers', { tfvars: EXAMPLE_TFVARS }), []);
    const members = [
      'serviceAccount:tweet-loader@my-project-id.iam.gserviceaccount.com',
      'group:data-loaders@example.com',
      'user:someone@example.com',
      'domain:example.com',
    ];
    const tfvars = await writeTfvars(
      dir,
      'invokers.tfvars',
      `project_id = "test-project-1"\ningest_invokers = ${JSON.stringify(members)}\n`,
    );
    assert.deepEqual(await evaluate('var.ingest_invokers', { tfvars }), members);
  });

  for (const publicPrincipal of ['allUsers', 'allAuthenticatedUsers'])
    test(`ingest_invokers refuses ${publicPrincipal}`, async () => {
      const tfvars = await writeTfvars(
        dir,
        'public.tfvars',
        `project_id = "test-project-1"\ningest_invokers = ["group:a@example.com", "${publicPrincipal}"]\n`,
      );
      await assert.rejects(
        evaluate('var.ingest_invokers', { tfvars }),
        messagePattern(
          'ingest_invokers must not contain allUsers or allAuthenticatedUsers: ingest writes to Datastore',
        ),
      );
    });

  for (const malformed of ['someone@example.com', 'user:', ':someone@example.com', 'user: a@example.com'])
    test(`ingest_invokers refuses ${JSON.stringify(malformed)}, which is not type:value`, async () => {
      const tfvars = await writeTfvars(
        dir,
        'malformed.tfvars',
        `project_id = "test-project-1"\ningest_invokers = [${JSON.stringify(malformed)}]\n`,
      );
      await assert.rejects(
        evaluate('var.ingest_invokers', { tfvars }),
        messagePattern('ingest_invokers entries must be IAM members of the form type:value'),
      );
    });
});

describe('topics', () => {
  test('with the default prefix, topic names are the defaults of src/cloud/config.ts', async () => {
    const topics = (await evaluate('local.topics', DEFAULTS)) as Record<string, string>;
    assert.deepEqual(Object.keys(topics).sort(), [...TOPICS, 'sweep', 'dead_letter', 'incoming'].sort());
    assert.deepEqual(topics, {
      jobs: CLOUD_ENV.topicJobs.default,
      map: CLOUD_ENV.topicMap.default,
      reduce: CLOUD_ENV.topicReduce.default,
      finalize: CLOUD_ENV.topicFinalize.default,
      sweep: CLOUD_ENV.topicSweep.default,
      dead_letter: CLOUD_ENV.topicDeadLetter.default,
      incoming: CLOUD_ENV.topicIncoming.default,
    });
  });

  test('every push-triggered function has a topic of its own trigger', async () => {
    const topics = (await evaluate('local.topics', DEFAULTS)) as Record<string, string>;
    for (const f of PUSH_FUNCTIONS) assert.ok(topics[f.trigger], `no topic "${f.trigger}" for ${f.id}`);
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
    assert.equal(env[CLOUD_ENV.topicIncoming.name], CLOUD_ENV.topicIncoming.default);
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
      assert.equal(config.incomingTopic, topics.incoming);
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
