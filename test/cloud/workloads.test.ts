// The shipped workloads end to end through the emulated cloud (issue 5): the official emulators
// (started by the test runner), the GCS and BigQuery fakes and the functions as real
// functions-framework processes. Each job is published as a job message, and what it leaves behind
// (BigQuery tables, Datastore entities, counters on the run record) is compared with the plain
// implementation in test/jobs/plain over the same data.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Datastore } from '@google-cloud/datastore';
import type { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import type { DatastoreStateStore } from '../../src/adapters/gcp/datastore-state-store.ts';
import { startDevCloud, type DevCloud } from '../../src/cloud/dev-cloud.ts';
import type { JobMessage } from '../../src/core/messages.ts';
import type { Counters, RunRecord } from '../../src/core/records.ts';
import { ingest, TweetKind } from '../../src/ingest/index.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { generateTweets, SAMPLE_NOW, tweetsToNdjson, type SampleTweet } from '../../src/samples/tweets.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import {
  logs as problemLogs,
  ndjson,
  normalise,
  plainSummary,
  sortRows,
} from '../jobs/plain/exercise-summary.ts';
import {
  byKey,
  migrationTweets,
  plainBackfill,
  plainDropProperty,
  type PlainMigration,
} from '../jobs/plain/migrations.ts';
import { assertTables, iso, plain } from '../jobs/plain/tweet-analytics.ts';
import { entityStoreOf, queryRows, readKind, stateStoreOf, waitForRun } from './helpers.ts';

const DAY = 86_400_000;
const id = randomUUID().slice(0, 8);
const logs: string[] = [];
let cloud: DevCloud;
let state: DatastoreStateStore;
let entities: DatastoreEntityStore;

const logTail = () => `last function output:\n${logs.slice(-30).join('\n')}`;

before(async () => {
  const emulators = emulatorEnv();
  cloud = await startDevCloud({
    // A project of its own: entities (Tweet) live in the default namespace, and the emulators are
    // shared with other test files (test/cloud/ingest.test.ts writes Tweets too).
    projectId: `wl-${id}`,
    emulators,
    prefix: `wl-${id}`,
    namespace: `wl-${id}`,
    leaseSeconds: 10,
    sweepEveryMillis: 2000,
    onLog: (fn, line) => logs.push(`${fn} ${line}`),
  });
  state = stateStoreOf(cloud);
  entities = entityStoreOf(cloud);
});

after(async () => {
  await cloud?.stop();
});

/** Publishes the job and waits for it to finish; it must be DONE. */
async function run(message: JobMessage & { runId: string }): Promise<RunRecord> {
  await cloud.publishJob(message);
  const record = await waitForRun(state, message.runId, 60_000, logTail);
  assert.equal(record.status, 'DONE', `${message.runId}: ${JSON.stringify(record.error)}\n${logTail()}`);
  return record;
}

const counters = (r: RunRecord): Counters => r.stages[0]!.counters ?? {};

test('tweet-analytics: Tweet entities in Datastore → three appended BigQuery tables equal to the plain computation', async () => {
  // The job reads kind Tweet of the default namespace (the entity store has no namespace setting);
  // this file's project is its own, so nothing else writes there; clear it anyway.
  const stale = await readKind(entities, 'Tweet');
  for (let i = 0; i < stale.length; i += 500)
    await entities.delete(stale.slice(i, i + 500).map((e) => e.key));

  const days = 4;
  const now2 = new Date(Date.parse(SAMPLE_NOW) + DAY / 2).toISOString();
  const tweets: SampleTweet[] = generateTweets({ count: 400, seed: 23 });
  // One tweet exactly at the window's edge (excluded: strictly after now − days).
  tweets.push({
    user: 'edge',
    text: 'edgeword',
    created_at: new Date(Date.parse(SAMPLE_NOW) - days * DAY).toISOString(),
    tid: 42,
    urls: ['https://edge.example/x'],
  });
  const want = plain(tweets, SAMPLE_NOW, days);
  assert.ok(want.N > 200 && want.N < tweets.length - 50, `the window should drop some tweets: N=${want.N}`);
  const inWindow = (t: SampleTweet) => Date.parse(t.created_at) > Date.parse(SAMPLE_NOW) - days * DAY;
  assert.ok(
    tweets.some((t) => t.text === '' && inWindow(t)),
    'an empty tweet in the window (it counts in N)',
  );
  const stored = await ingest(entities, TweetKind, tweetsToNdjson(tweets), { format: 'ndjson' });
  assert.equal(stored.stored, tweets.length);

  const first = await run({
    job: 'tweet-analytics',
    runId: `ta-${id}-1`,
    params: { now: SAMPLE_NOW, days },
    shards: 3,
    partitions: 2,
  });
  assert.deepEqual(
    first.stages.map((s) => s.name),
    ['count', 'top-words', 'top-urls', 'top-pairs'],
  );
  assert.equal(first.stages[0]!.mapCounters!['map-records'], want.N, 'N: the tweets read');

  const tables = ['word_counts', 'urls', 'word_cooccur'] as const;
  const read = async () => {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const t of tables) out[t] = await queryRows(cloud, `SELECT * FROM ${t}`);
    return out;
  };
  const once = await read();
  assertTables(once, want);
  for (const t of tables) {
    assert.deepEqual([...new Set(once[t]!.map((r) => iso(r.ts)))], [SAMPLE_NOW], `${t}: one ts, = now`);
  }
  assert.ok(!once.urls!.some((r) => r.url === 'https://edge.example/x'), 'the edge tweet is outside');

  // A second run, half a day later: its rows are appended with their own ts.
  await run({
    job: 'tweet-analytics',
    runId: `ta-${id}-2`,
    params: { now: now2, days },
    shards: 2,
    partitions: 3,
  });
  const twice = await read();
  const want2 = plain(tweets, now2, days);
  for (const t of tables) {
    const byTs = Map.groupBy(twice[t]!, (r) => iso(r.ts));
    assert.deepEqual([...byTs.keys()].sort(), [SAMPLE_NOW, now2], `${t}: two runs, two ts`);
    assert.equal(twice[t]!.length, once[t]!.length + want2[t].length, `${t} appended`);
    assert.deepEqual(
      byTs
        .get(SAMPLE_NOW)!
        .map((r) => JSON.stringify(r))
        .sort(),
      once[t]!.map((r) => JSON.stringify(r)).sort(),
      `${t}: the first run's rows are still there`,
    );
  }
  // word_counts and word_cooccur are full (500, 300) both times: appending doubled them.
  assert.equal(twice.word_counts!.length, 2 * once.word_counts!.length);
  assert.equal(twice.word_cooccur!.length, 2 * once.word_cooccur!.length);
  const second = Object.fromEntries(
    tables.map((t) => [t, twice[t]!.filter((r) => iso(r.ts) === now2)]),
  ) as Record<string, Record<string, unknown>[]>;
  assertTables(second, want2);
});

test('exercise-summary: NDJSON in GCS → day partitions equal to the plain summary; re-running a day replaces that day only', async () => {
  const bucket = cloud.config.incomingBucket!;
  const object = `exsum-${id}/logs.ndjson`;
  const day1 = problemLogs('2026-11-20', 400, 1);
  const day2 = problemLogs('2026-11-21', 300, 2);
  // Both days' logs in one file: each run must pick its own day. Plus one record that is not a log.
  cloud.gcs.putObject(bucket, object, ndjson([...day1, ...day2, { user: 'x' }]));
  const summarise = (date: string, runId: string) =>
    run({
      job: 'exercise-summary',
      runId,
      params: { date },
      inputs: [`gs://${bucket}/${object}`],
      shards: 3,
      partitions: 2,
    });
  const table = async () => normalise(await queryRows(cloud, 'SELECT * FROM exercise_summary'));

  const first = await summarise('2026-11-20', `exsum-${id}-1`);
  assert.equal(counters(first)['invalid-logs'], 1);
  assert.deepEqual(await table(), plainSummary(day1, '2026-11-20'));

  await summarise('2026-11-21', `exsum-${id}-2`);
  assert.deepEqual(
    await table(),
    sortRows([...plainSummary(day1, '2026-11-20'), ...plainSummary(day2, '2026-11-21')]),
  );

  // Day 1 is re-run with changed data (fewer, different logs): only its partition changes.
  const day1b = problemLogs('2026-11-20', 50, 9);
  cloud.gcs.putObject(bucket, object, ndjson([...day1b, ...day2]));
  const rerun = await summarise('2026-11-20', `exsum-${id}-3`);
  assert.equal(counters(rerun)['invalid-logs'] ?? 0, 0);
  assert.deepEqual(
    await table(),
    sortRows([...plainSummary(day1b, '2026-11-20'), ...plainSummary(day2, '2026-11-21')]),
  );
  // Each run loaded its own day's partition (a $YYYYMMDD decorator) with WRITE_TRUNCATE.
  const loads = cloud.bigquery
    .jobIds()
    .map((j) => cloud.bigquery.getJob(cloud.config.projectId, j))
    .map((j) => (j?.configuration as { load?: Record<string, unknown> } | undefined)?.load)
    .filter((l) =>
      (l?.destinationTable as { tableId?: string } | undefined)?.tableId?.startsWith('exercise_summary'),
    );
  assert.deepEqual(
    loads.map((l) => [(l!.destinationTable as { tableId: string }).tableId, l!.writeDisposition]),
    [
      ['exercise_summary$20261120', 'WRITE_TRUNCATE'],
      ['exercise_summary$20261121', 'WRITE_TRUNCATE'],
      ['exercise_summary$20261120', 'WRITE_TRUNCATE'],
    ],
  );
});

/** The dry run's `report` output: NDJSON files in the work bucket. */
function reportOf(record: RunRecord): Record<string, unknown>[] {
  const bucket = cloud.gcs.store.bucket(cloud.config.workBucket);
  return (record.stages[0]!.outputs?.report?.files ?? []).flatMap((name) =>
    bucket
      .get(name)!
      .data.toString()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

/** What a dry run should report: per changed entity, the properties set and removed. */
function plainReport(before: readonly Entity[], after: readonly Entity[]): Record<string, unknown>[] {
  return before.flatMap((e, i) => {
    const a = after[i]!.properties;
    const set = Object.fromEntries(
      Object.entries(a).filter(([k, v]) => JSON.stringify(e.properties[k]) !== JSON.stringify(v)),
    );
    const remove = Object.keys(e.properties).filter((k) => !(k in a));
    if (Object.keys(set).length === 0 && remove.length === 0) return [];
    return [{ key: e.key, action: 'update', set, remove, dryRun: true }];
  });
}

const sortReport = (entries: Record<string, unknown>[]) => entries.map((e) => JSON.stringify(e)).sort();

/**
 * A migration through the cloud: a dry run that changes nothing but counts what would change, the
 * real run (entities = the plain migration's), and a second real run that changes nothing.
 */
async function migrate(
  job: string,
  params: Record<string, unknown>,
  kinds: string[],
  seeded: Entity[],
  want: PlainMigration,
  name: string,
) {
  const snapshot = async () => byKey((await Promise.all(kinds.map((k) => readKind(entities, k)))).flat());
  const before = await snapshot();
  assert.deepEqual(before, byKey(seeded));
  const message = (step: string, dryRun: boolean) => ({
    job,
    runId: `${name}-${id}-${step}`,
    params: { ...params, dryRun },
    shards: 3,
  });

  const dry = await run(message('dry', true));
  assert.equal(counters(dry)['entities-seen'], want.seen);
  assert.equal(counters(dry)['entities-changed'] ?? 0, want.changed);
  assert.equal(counters(dry)['entities-deleted'], undefined);
  assert.equal(dry.stages[0]!.outputs?.report?.rows, want.changed, 'every change reported');
  assert.equal(dry.stages[0]!.outputs?.entities?.rows ?? 0, 0);
  assert.deepEqual(await snapshot(), before, 'a dry run writes nothing');
  assert.deepEqual(sortReport(reportOf(dry)), sortReport(plainReport(seeded, want.after)));

  const real = await run(message('real', false));
  assert.equal(counters(real)['entities-seen'], want.seen);
  assert.equal(counters(real)['entities-changed'], want.changed);
  assert.equal(real.stages[0]!.outputs?.report?.rows ?? 0, 0, 'a real run reports nothing');
  const migrated = await snapshot();
  assert.deepEqual(migrated, byKey(want.after));

  const again = await run(message('again', false));
  assert.equal(counters(again)['entities-seen'], want.seen);
  assert.equal(counters(again)['entities-changed'] ?? 0, 0);
  assert.deepEqual(await snapshot(), migrated, 'a second run changes nothing');
  return want.after;
}

test('migrations: dry run, real run equal to the plain migration, second run changes nothing', async () => {
  // Kinds of their own: the emulator is shared by every test file.
  const kind = `MigTweet${id}`;
  const noteKind = `MigNote${id}`;
  const seeded = migrationTweets({ kind, noteKind, count: 1234 });
  for (let i = 0; i < seeded.length; i += 500) await entities.upsert(seeded.slice(i, i + 500));

  const drop = plainDropProperty(seeded, kind, 'score');
  assert.equal(drop.changed, 412);
  const dropped = await migrate(
    'migrate-drop-property',
    { kind, property: 'score' },
    [kind, noteKind],
    seeded,
    drop,
    'drop',
  );

  const fill = plainBackfill(dropped, kind, 'word_count');
  assert.equal(fill.changed, 1234);
  await migrate(
    'migrate-backfill',
    { kind, property: 'word_count' },
    [kind, noteKind],
    dropped,
    fill,
    'fill',
  );
});

test('a migration leaves what it does not change as stored: integers, big integers and doubles keep their Datastore types', async () => {
  // Written as another program (Python's ndb, the App Engine app) would: typed int64s and a double.
  const { config } = cloud;
  const ds = new Datastore({ projectId: config.projectId, apiEndpoint: config.datastore.apiEndpoint! });
  const kind = `Typed${id}`;
  const keys = [1, 2, 3].map((n) => ds.key([kind, n]));
  await ds.upsert(
    keys.map((key, i) => ({
      key,
      data: { count: ds.int(i + 5), big: ds.int('9007199254740993'), ratio: ds.double(2), score: ds.int(1) },
    })),
  );
  await run({
    job: 'migrate-drop-property',
    runId: `typed-${id}`,
    params: { kind, property: 'score' },
    shards: 2,
  });
  const [after] = await ds.get(keys, { wrapNumbers: true });
  assert.equal(after.length, 3);
  for (const e of after as Record<string, unknown>[]) {
    assert.equal('score' in e, false, 'the property was dropped');
    assert.ok(ds.isInt(e.count as object), `count stays an integer: ${JSON.stringify(e.count)}`);
    assert.ok(ds.isInt(e.big as object), 'a big integer stays an integer');
    assert.equal((e.big as { value: string }).value, '9007199254740993', 'with every digit');
    assert.equal(e.ratio, 2, 'a double stays a double (integers come back wrapped)');
  }
});
