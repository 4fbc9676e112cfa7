import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import {
  CLOUD_ENV_VARS,
  MAX_TASK_BUDGET_SECONDS,
  REQUIRED_ENV_VARS,
  cloudConfigEnv,
  parseCloudConfig,
} from '../../src/cloud/config.ts';

const MINIMAL = { CLOUDREDUCE_PROJECT_ID: 'my-project', CLOUDREDUCE_WORK_BUCKET: 'my-work-bucket' };

void describe('parseCloudConfig', () => {
  void test('the two required variables are enough; every other setting has its documented default', () => {
    const config = parseCloudConfig({ ...MINIMAL, CLOUDREDUCE_SCRATCH_DIR: '/tmp/s' });
    assert.deepEqual(config, {
      projectId: 'my-project',
      region: 'us-central1',
      workBucket: 'my-work-bucket',
      workPrefix: '',
      topics: {
        jobs: 'cloudreduce-jobs',
        map: 'cloudreduce-map',
        reduce: 'cloudreduce-reduce',
        finalize: 'cloudreduce-finalize',
      },
      deadLetterTopic: 'cloudreduce-dead-letter',
      sweepTopic: 'cloudreduce-sweep',
      incomingTopic: 'cloudreduce-incoming',
      bigquery: { dataset: 'cloudreduce', location: 'US' },
      datastore: {},
      pubsub: {},
      gcs: {},
      taskBudgetSeconds: 420,
      leaseSeconds: 60,
      stallSeconds: 900,
      jobModules: [],
      logLevel: 'INFO',
      scratchDir: '/tmp/s',
    });
  });

  void test('the default task budget leaves a margin under the 540 s event-function limit', () => {
    const { taskBudgetSeconds } = parseCloudConfig(MINIMAL);
    assert.ok(taskBudgetSeconds <= 540 - 60, `${taskBudgetSeconds}`);
  });

  const table: {
    name: string;
    env: Record<string, string>;
    expect: (c: ReturnType<typeof parseCloudConfig>) => unknown;
    want: unknown;
  }[] = [
    {
      name: 'GOOGLE_CLOUD_PROJECT is the project fallback',
      env: { CLOUDREDUCE_PROJECT_ID: '', GOOGLE_CLOUD_PROJECT: 'other-proj' },
      expect: (c) => c.projectId,
      want: 'other-proj',
    },
    {
      name: 'the prefix loses surrounding slashes',
      env: { CLOUDREDUCE_WORK_PREFIX: '/engine/v1/' },
      expect: (c) => c.workPrefix,
      want: 'engine/v1',
    },
    {
      name: 'job modules are a comma list',
      env: { CLOUDREDUCE_JOBS: ' jobs/a.ts, ,jobs/b.ts ' },
      expect: (c) => c.jobModules,
      want: ['jobs/a.ts', 'jobs/b.ts'],
    },
    {
      name: 'log level is case-insensitive and accepts warn',
      env: { CLOUDREDUCE_LOG: 'WARN' },
      expect: (c) => c.logLevel,
      want: 'WARNING',
    },
    {
      name: 'a named database and namespace',
      env: { CLOUDREDUCE_DATASTORE_DATABASE: 'mr-state', CLOUDREDUCE_DATASTORE_NAMESPACE: 'prod' },
      expect: (c) => c.datastore,
      want: { databaseId: 'mr-state', namespace: 'prod' },
    },
    {
      name: 'emulator hosts and fake endpoints',
      env: {
        PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
        DATASTORE_EMULATOR_HOST: 'localhost:8081',
        CLOUDREDUCE_GCS_ENDPOINT: 'http://127.0.0.1:4443',
        CLOUDREDUCE_BIGQUERY_ENDPOINT: 'http://127.0.0.1:9050/',
      },
      expect: (c) => [
        c.pubsub.apiEndpoint,
        c.datastore.apiEndpoint,
        c.gcs.apiEndpoint,
        c.bigquery.apiEndpoint,
      ],
      want: ['127.0.0.1:8085', 'localhost:8081', 'http://127.0.0.1:4443', 'http://127.0.0.1:9050/'],
    },
    {
      name: 'topics can be renamed',
      env: { CLOUDREDUCE_TOPIC_MAP: 'mr.map~v2' },
      expect: (c) => c.topics.map,
      want: 'mr.map~v2',
    },
    {
      name: 'budget and lease in seconds',
      env: { CLOUDREDUCE_TASK_BUDGET_SECONDS: '300', CLOUDREDUCE_LEASE_SECONDS: '30' },
      expect: (c) => [c.taskBudgetSeconds, c.leaseSeconds],
      want: [300, 30],
    },
  ];
  for (const row of table) {
    void test(row.name, () => {
      assert.deepEqual(row.expect(parseCloudConfig({ ...MINIMAL, ...row.env })), row.want);
    });
  }

  void test('missing required variables are listed together, with where to set them', () => {
    assert.throws(
      () => parseCloudConfig({}),
      (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(
          err.message,
          /missing required variable\(s\): CLOUDREDUCE_PROJECT_ID \(or GOOGLE_CLOUD_PROJECT\), CLOUDREDUCE_WORK_BUCKET/,
        );
        assert.match(err.message, /See docs\/cloud\.md/);
        return true;
      },
    );
  });

  const invalid: { env: Record<string, string>; message: RegExp }[] = [
    {
      env: { CLOUDREDUCE_WORK_BUCKET: 'My_Bucket' },
      message: /CLOUDREDUCE_WORK_BUCKET="My_Bucket": invalid bucket; use 3-63 lowercase/,
    },
    { env: { CLOUDREDUCE_WORK_BUCKET: 'google-stuff' }, message: /not starting with "goog"/ },
    { env: { CLOUDREDUCE_PROJECT_ID: 'P' }, message: /CLOUDREDUCE_PROJECT_ID="P": invalid project/ },
    {
      env: { CLOUDREDUCE_WORK_PREFIX: 'a/../b' },
      message: /CLOUDREDUCE_WORK_PREFIX="a\/..\/b": invalid prefix/,
    },
    {
      env: { CLOUDREDUCE_TOPIC_JOBS: 'goog-jobs' },
      message: /CLOUDREDUCE_TOPIC_JOBS="goog-jobs": invalid topic/,
    },
    { env: { CLOUDREDUCE_TOPIC_MAP: '9map' }, message: /starting with a letter/ },
    {
      env: { CLOUDREDUCE_TOPIC_REDUCE: 'cloudreduce-map' },
      message: /topic "cloudreduce-map" is used for two purposes/,
    },
    {
      env: { CLOUDREDUCE_BIGQUERY_DATASET: 'my-dataset' },
      message:
        /CLOUDREDUCE_BIGQUERY_DATASET="my-dataset": invalid dataset; use letters, digits and underscores/,
    },
    { env: { CLOUDREDUCE_BIGQUERY_LOCATION: 'usa' }, message: /invalid location/ },
    { env: { CLOUDREDUCE_DATASTORE_NAMESPACE: '__sys' }, message: /not starting with "__"/ },
    {
      env: { CLOUDREDUCE_TASK_BUDGET_SECONDS: '540' },
      message: new RegExp(`whole seconds from 1 to ${MAX_TASK_BUDGET_SECONDS}`),
    },
    { env: { CLOUDREDUCE_TASK_BUDGET_SECONDS: '7m' }, message: /CLOUDREDUCE_TASK_BUDGET_SECONDS="7m"/ },
    {
      env: { CLOUDREDUCE_LEASE_SECONDS: '1000', CLOUDREDUCE_STALL_SECONDS: '600' },
      message: /CLOUDREDUCE_STALL_SECONDS must be longer than CLOUDREDUCE_LEASE_SECONDS/,
    },
    { env: { CLOUDREDUCE_LOG: 'loud' }, message: /must be one of: debug, info, warning, error/ },
    { env: { PUBSUB_EMULATOR_HOST: 'http://localhost:8085' }, message: /PUBSUB_EMULATOR_HOST=.*host:port/ },
    {
      env: { CLOUDREDUCE_GCS_ENDPOINT: 'localhost:4443' },
      message: /CLOUDREDUCE_GCS_ENDPOINT=.*http\(s\) base URL/,
    },
  ];
  for (const row of invalid) {
    void test(`rejects ${JSON.stringify(row.env)}`, () => {
      assert.throws(() => parseCloudConfig({ ...MINIMAL, ...row.env }), {
        name: 'ConfigError',
        message: row.message,
      });
    });
  }

  void test('every problem is reported at once', () => {
    assert.throws(
      () => parseCloudConfig({ CLOUDREDUCE_WORK_BUCKET: 'x', CLOUDREDUCE_TOPIC_MAP: '!' }),
      (err: Error) => {
        assert.match(err.message, /missing required variable\(s\): CLOUDREDUCE_PROJECT_ID/);
        assert.match(err.message, /CLOUDREDUCE_WORK_BUCKET="x"/);
        assert.match(err.message, /CLOUDREDUCE_TOPIC_MAP="!"/);
        return true;
      },
    );
  });

  void test('cloudConfigEnv writes an environment that parses back into the same config', () => {
    const config = parseCloudConfig({
      ...MINIMAL,
      CLOUDREDUCE_WORK_PREFIX: 'engine',
      CLOUDREDUCE_INCOMING_BUCKET: 'my-incoming',
      CLOUDREDUCE_DATASTORE_NAMESPACE: 'ns1',
      CLOUDREDUCE_DATASTORE_DATABASE: 'state-db',
      CLOUDREDUCE_JOBS: 'a.ts,b.ts',
      CLOUDREDUCE_LOG: 'debug',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
      CLOUDREDUCE_BIGQUERY_ENDPOINT: 'http://127.0.0.1:2',
    });
    const env = cloudConfigEnv(config);
    assert.deepEqual(parseCloudConfig(env), config);
    for (const name of Object.keys(env)) assert.ok(CLOUD_ENV_VARS.includes(name), `${name} is listed`);
  });

  void test('the exported variable list names every variable once, required ones included', () => {
    assert.equal(new Set(CLOUD_ENV_VARS).size, CLOUD_ENV_VARS.length);
    for (const name of REQUIRED_ENV_VARS) assert.ok(CLOUD_ENV_VARS.includes(name));
    for (const name of CLOUD_ENV_VARS) assert.match(name, /^(CLOUDREDUCE_[A-Z_]+|[A-Z]+_EMULATOR_HOST)$/);
  });

  void test('docs/cloud.md documents every variable', () => {
    const doc = readFileSync(new URL('../../docs/cloud.md', import.meta.url), 'utf8');
    for (const name of CLOUD_ENV_VARS) assert.ok(doc.includes(`| \`${name}\``), `${name} is in the table`);
  });
});
