// `query --dev` and `ingest --dev` as a user runs them: a dev cloud started in this process on the
// test runner's emulators, its dev.json written the way `cloudreduce dev` writes it, and the real
// `cloudreduce` binary finding it there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import { writeDevState } from '../../src/cloud/dev-state.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { runCli } from './run-cli.ts';

const id = randomUUID().slice(0, 8);
const projectId = `clitest-${id}`;
const logs: string[] = [];
let cloud: DevCloud;
let dir: string;
let dataset: string;
const state = ['--data-dir', 'state'];

before(async () => {
  const emulators = emulatorEnv();
  process.env.METADATA_SERVER_DETECTION ??= 'none'; // this process's clients talk to the emulators only
  cloud = await startDevCloud({
    projectId,
    emulators,
    prefix: `clitest-${id}`,
    sweepEveryMillis: 0,
    logLevel: 'WARNING',
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  dataset = cloud.config.bigquery.dataset;
  dir = await mkdtemp(join(tmpdir(), 'cli-dev-target-'));
  writeDevState(join(dir, 'state'), {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    env: cloud.env,
    functions: Object.fromEntries(Object.entries(cloud.functions).map(([name, f]) => [name, f.url])),
    gcsEndpoint: cloud.gcs.endpoint,
    bigqueryEndpoint: cloud.bigquery.endpoint,
  });
  // A result table as a finished job leaves it, and an empty second dataset.
  const { engine } = cloud.bigquery;
  await engine.createTable({
    projectId,
    datasetId: dataset,
    tableId: 'word_counts',
    fields: [
      { name: 'word', type: 'STRING', mode: 'NULLABLE' },
      { name: 'count', type: 'INTEGER', mode: 'NULLABLE' },
    ],
  });
  await engine.query(`INSERT INTO ${dataset}.word_counts VALUES ('cat', 3), ('dog', 2)`, dataset, true, {
    projectId,
    location: 'US',
  });
  await engine.createDataset(projectId, `empty_${id}`, 'US');
});

after(async () => {
  await cloud?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const logTail = () => `function output:\n${logs.slice(-20).join('\n')}`;

test('query --dev runs SQL on the dev cloud’s BigQuery, unqualified tables in its dataset', async () => {
  const r = await runCli(
    ['query', 'SELECT word, count FROM word_counts ORDER BY count DESC', '--dev', ...state],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'word  count\n----  -----\ncat   3\ndog   2\n');
  const json = await runCli(
    ['query', 'SELECT count(*) AS n FROM word_counts', '--dev', '--json', ...state],
    dir,
  );
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [{ n: 2 }]);
  const qualified = await runCli(
    ['query', `SELECT word FROM \`${dataset}.word_counts\` WHERE count = 2`, '--dev', ...state],
    dir,
  );
  assert.equal(qualified.stdout, 'word\n----\ndog\n');
});

test('query --dev names the tables there are when a table is unknown', async () => {
  const r = await runCli(['query', 'SELECT count(*) FROM word_count', '--dev', ...state], dir);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `error: No table "word_count" in dataset ${dataset} of the dev cloud. Its tables: word_counts.\n`,
  );
  const empty = await runCli(
    ['query', 'SELECT * FROM t', '--dev', '--dataset', `empty_${id}`, ...state],
    dir,
  );
  assert.equal(empty.code, 2);
  assert.equal(
    empty.stderr,
    `error: No table "t" in dataset empty_${id} of the dev cloud, which has no tables yet: a job with a ` +
      'table output creates its table when it finishes (cloudreduce submit JOB).\n',
  );
  const noDataset = await runCli(['query', 'SELECT 1 AS x', '--dev', '--dataset', 'nope', ...state], dir);
  assert.equal(noDataset.code, 2);
  assert.equal(
    noDataset.stderr,
    'error: Dataset nope does not exist in the dev cloud. Name the dataset in the query or with --dataset, ' +
      'or leave both out to use the dev cloud’s.\n',
  );
});

test('query --dev without a running dev cloud says how to start one; bad flag mixes are refused', async () => {
  const r = await runCli(['query', 'SELECT 1', '--dev', '--data-dir', 'nowhere'], dir);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'error: No dev cloud is running here (nowhere/dev.json does not exist). Start one with `cloudreduce dev` ' +
      'in another terminal, or target a real project with --project PROJECT_ID.\n',
  );
  const both = await runCli(['query', 'SELECT 1', '--dev', '--project', 'my-project'], dir);
  assert.equal(both.stderr, 'error: Use either --dev or --project ID, not both.\n');
  const dataset = await runCli(['query', 'SELECT 1', '--dataset', 'x'], dir);
  assert.equal(
    dataset.stderr,
    'error: --dataset needs --dev or --project ID; the local warehouse has no datasets (see `cloudreduce query --help`).\n',
  );
  const project = await runCli(['query', 'SELECT 1', '--project', 'Bad_Project', '--dataset', 'a-b'], dir);
  assert.equal(
    project.stderr,
    'error: --project "Bad_Project": invalid project; use 6-30 lowercase letters, digits and dashes, starting ' +
      'with a letter (e.g. "my-project")\n--dataset "a-b": invalid dataset; use letters, digits and underscores ' +
      '(BigQuery dataset ids allow no dashes or dots)\n',
  );
});

async function tweets(): Promise<Entity[]> {
  const store = new DatastoreEntityStore({ projectId, apiEndpoint: cloud.config.datastore.apiEndpoint! });
  const all: Entity[] = [];
  for await (const e of store.query({ kind: 'Tweet' })) all.push(e);
  return all;
}

test('ingest --dev uploads the file to the incoming bucket, waits for ingestObject and prints its summary', async () => {
  await writeFile(
    join(dir, 'tweets.ndjson'),
    '{"tid":1,"user":"ann","text":"hi"}\n{"tid":2,"user":"bob","text":"yo","created_at":"2026-11-20T10:00:00Z"}\n',
  );
  const r = await runCli(['ingest', '--kind', 'Tweet', 'tweets.ndjson', '--dev', ...state], dir);
  assert.equal(r.code, 0, `${r.stderr}\n${logTail()}`);
  assert.equal(
    r.stdout,
    'ingested tweets.ndjson into the dev cloud: 2 Tweet entities stored in 1 commit(s), 0 line(s) rejected\n',
  );
  assert.match(
    r.stderr,
    new RegExp(
      `^uploaded tweets\\.ndjson \\(\\d+ bytes\\) to gs://${cloud.config.incomingBucket}/ingest/Tweet/tweets\\.ndjson; waiting for ingestObject…\n`,
    ),
  );
  assert.deepEqual((await tweets()).map((e) => e.key.id).sort(), ['1', '2']);
});

test('ingest --dev shows rejected lines and exits 1; a fixed re-upload of the same name waits for its new summary', async () => {
  await writeFile(
    join(dir, 'mixed.ndjson'),
    '{"tid":3,"user":"cy","text":"ok"}\n{"tid":4,"user":5}\n{"text":"no key"}\n',
  );
  const bad = await runCli(['ingest', '--kind', 'Tweet', 'mixed.ndjson', '--dev', ...state], dir);
  assert.equal(bad.code, 1, `${bad.stderr}\n${logTail()}`);
  assert.equal(
    bad.stdout,
    'ingested mixed.ndjson into the dev cloud: 1 Tweet entities stored in 1 commit(s), 2 line(s) rejected\n',
  );
  const rejects = `gs://${cloud.config.incomingBucket}/ingest-results/Tweet/mixed.ndjson.rejects.ndjson`;
  assert.ok(
    bad.stderr.endsWith(
      `error: 2 bad Tweet record(s) in mixed.ndjson were not stored (all of them: ${rejects}):\n` +
        '  line 2: "user" must be a string; got 5\n' +
        '  line 3: missing the key "tid"\n' +
        'Fix the lines and ingest them again (records are keyed: the stored ones are not duplicated).\n',
    ),
    bad.stderr,
  );

  await writeFile(
    join(dir, 'mixed.ndjson'),
    '{"tid":3,"user":"cy","text":"ok"}\n{"tid":4,"user":"dee"}\n{"tid":5,"text":"key"}\n',
  );
  const fixed = await runCli(['ingest', '--kind', 'Tweet', 'mixed.ndjson', '--dev', ...state], dir);
  assert.equal(fixed.code, 0, `${fixed.stderr}\n${logTail()}`);
  assert.equal(
    fixed.stdout,
    'ingested mixed.ndjson into the dev cloud: 3 Tweet entities stored in 1 commit(s), 0 line(s) rejected\n',
  );
  assert.deepEqual((await tweets()).map((e) => e.key.id).sort(), ['1', '2', '3', '4', '5']);
});

test('ingest --dev refuses kinds the dev cloud does not declare, and local-only flags', async () => {
  await writeFile(join(dir, 'x.ndjson'), '{"tid":1}\n');
  const cases: [string[], string][] = [
    [
      ['--kind', 'tweet'],
      'error: Unknown kind "tweet"; did you mean "Tweet"? (declared in the dev cloud: Tweet)\n',
    ],
    [
      ['--kind', 'Thing'],
      'error: The dev cloud has no kind "Thing" (declared in the dev cloud: Tweet). Export it (defineKind) from ' +
        'a job module and restart `cloudreduce dev --jobs MODULE`, or drop --dev to ingest it locally as sent ' +
        'with --key FIELD.\n',
    ],
    [
      ['--kind', 'Tweet', '--key', 'tid'],
      'error: --key, --datetime and --kinds are for a local ingest. The dev cloud ingests the kinds declared in ' +
        'its job modules: export the kind (defineKind) from a job module and restart `cloudreduce dev --jobs MODULE`.\n',
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['ingest', ...args, 'x.ndjson', '--dev', ...state], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, message);
  }
  const none = await runCli(['ingest', '--kind', 'Tweet', 'x.ndjson', '--dev', '--data-dir', 'nowhere'], dir);
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr,
    'error: No dev cloud is running here (nowhere/dev.json does not exist). Start one with `cloudreduce dev` ' +
      'in another terminal, or drop --dev to ingest into the local entity store.\n',
  );
});

test('ingest --dev gives up after --wait seconds when no summary comes, saying where to look', async () => {
  await cloud.functions.ingestObject.stop(); // down, as undeployed: a killed one would come back
  try {
    await writeFile(join(dir, 'late.ndjson'), '{"tid":9,"user":"eve"}\n');
    const r = await runCli(
      ['ingest', '--kind', 'Tweet', 'late.ndjson', '--dev', '--wait', '1', ...state],
      dir,
    );
    assert.equal(r.code, 2);
    assert.ok(
      r.stderr.endsWith(
        `error: No summary gs://${cloud.config.incomingBucket}/ingest-results/Tweet/late.ndjson.summary.json after 1 s. ` +
          "Is the dev cloud's ingestObject function running? Look for its errors in the `cloudreduce dev` " +
          'terminal, or wait longer with --wait SECONDS.\n',
      ),
      r.stderr,
    );
  } finally {
    await cloud.functions.ingestObject.start();
  }
});
