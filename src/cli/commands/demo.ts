// `cloudreduce demo` (what `npm start` runs): the main job on an embedded sample, no cloud, no
// setup. Writes a deterministic sample timeline once, stores it as Tweet entities in the local
// entity store, runs tweet-analytics as of the sample's fixed "now" and prints the top rows of its
// three tables. `--wordcount` runs the original wordcount demo instead.

import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDbWarehouse } from '../../adapters/local/duckdb-warehouse.ts';
import { SqliteEntityStore } from '../../adapters/local/sqlite-entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../ports/entity-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { SAMPLE_NOW, tweetEntity, writeTweetSample, type SampleTweet } from '../../samples/tweets.ts';
import { writeZipfText } from '../../samples/zipf-text.ts';
import { commonOptions, parse, type CommonOptions } from '../args.ts';
import { table } from '../report.ts';
import { openCli, type CliIo } from '../session.ts';
import { superviseRun } from './supervise.ts';

export const DEMO_HELP = `Usage: cloudreduce demo [--wordcount] [--data-dir DIR]

Runs the built-in tweet-analytics job on a generated sample timeline (10,000 tweets over six
days, written once to DIR/samples/tweets.ndjson and stored as Tweet entities keyed by tid in the
local entity store, so re-running stores nothing twice), as of the sample's fixed time
${SAMPLE_NOW} with a 4-day window, then prints the top ten rows of word_counts, urls and
word_cooccur from the local warehouse. Each run appends the same snapshot (same ts) again.

  --wordcount   run the wordcount job on a generated 16 MB text corpus instead and print the
                ten most frequent words

Nothing to install or configure.`;

const TWEETS = 10_000;

/**
 * The hint's query: the appended table holds every run's snapshot, so it keeps the latest ts only,
 * and DISTINCT because demo runs all share one ts (the sample's fixed now).
 */
export const LATEST_PAIRS_QUERY =
  'SELECT DISTINCT * FROM word_cooccur WHERE ts = (SELECT max(ts) FROM word_cooccur) ORDER BY log_weight DESC LIMIT 20';

export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('demo', argv, { wordcount: { type: 'boolean' } }, []);
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const samples = join(localPaths(common.dataDir).root, 'samples');
  mkdirSync(samples, { recursive: true });
  return values.wordcount ? wordcountDemo(samples, common, io) : tweetDemo(samples, common, io);
}

async function tweetDemo(samples: string, common: CommonOptions, io: CliIo): Promise<number> {
  const file = join(samples, 'tweets.ndjson');
  if (!existsSync(file)) await writeTweetSample(file, { count: TWEETS });
  const stored = await storeTweets(file, localPaths(common.dataDir).entities);
  io.err(`stored ${stored} Tweet entities (upserted by tid: a re-run replaces them, no duplicates)`);
  // The job module is registered like a user module (built-ins that re-export it are the same job).
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const module = new URL(`../../../jobs/tweet-analytics${ext}`, import.meta.url).href;
  const session = await openCli({ ...common, jobModules: [...common.jobModules, module] }, io);
  const code = await superviseRun(session, common, io, undefined, (runtime) =>
    runtime.submit({ job: 'tweet-analytics', origin: 'demo', params: { now: SAMPLE_NOW } }),
  );
  if (code !== 0) return code;
  // Rows of the latest snapshot. Every demo run computes as of SAMPLE_NOW, so a re-run appends
  // identical rows with that same ts: DISTINCT shows them once (rows of one run are all distinct).
  const ts = `TIMESTAMPTZ '${SAMPLE_NOW}'`;
  await showQueries(common, io, [
    [
      'top words (share of tweets)',
      `SELECT DISTINCT word, round(percent, 4) AS percent FROM word_counts WHERE ts = ${ts} ORDER BY percent DESC, word LIMIT 10`,
    ],
    ['top URLs', `SELECT DISTINCT url, count FROM urls WHERE ts = ${ts} ORDER BY count DESC, url LIMIT 10`],
    [
      'top co-occurring pairs',
      `SELECT DISTINCT w1, w2, count, round(log_weight, 3) AS log_weight FROM word_cooccur WHERE ts = ${ts} ORDER BY log_weight DESC, w1, w2 LIMIT 10`,
    ],
  ]);
  io.out(`\nQuery it yourself: npx cloudreduce query "${LATEST_PAIRS_QUERY}"`);
  return 0;
}

/** Upserts the NDJSON sample as Tweet entities keyed by tid, in commits of at most 500. */
async function storeTweets(file: string, entitiesDb: string): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  const store = new SqliteEntityStore(entitiesDb);
  try {
    for (let i = 0; i < lines.length; i += MAX_MUTATIONS_PER_COMMIT) {
      const batch = lines.slice(i, i + MAX_MUTATIONS_PER_COMMIT);
      await store.upsert(batch.map((l) => tweetEntity(JSON.parse(l) as SampleTweet)));
    }
  } finally {
    store.close();
  }
  return lines.length;
}

async function wordcountDemo(samples: string, common: CommonOptions, io: CliIo): Promise<number> {
  for (let i = 0; i < 8; i++) {
    const path = join(samples, `corpus-${i}.txt`);
    if (!existsSync(path)) await writeZipfText(path, { bytes: 2 * 1024 * 1024, seed: 100 + i });
  }
  const session = await openCli(common, io, 'wordcount');
  const code = await superviseRun(session, common, io, undefined, (runtime) =>
    runtime.submit({ job: 'wordcount', origin: 'demo', inputs: [resolve(samples, 'corpus-*.txt')] }),
  );
  if (code !== 0) return code;
  await showQueries(common, io, [
    ['top words', 'SELECT word, count FROM wordcount ORDER BY count DESC, word LIMIT 10'],
  ]);
  io.out(`\nQuery it yourself: npx cloudreduce query "SELECT * FROM wordcount ORDER BY count DESC LIMIT 20"`);
  return 0;
}

async function showQueries(common: CommonOptions, io: CliIo, queries: [string, string][]): Promise<void> {
  const warehouse = new DuckDbWarehouse({
    path: localPaths(common.dataDir).warehouse,
    resolveSource: (n) => n,
  });
  try {
    for (const [title, sql] of queries) io.out(`\n${title}:\n${table(await warehouse.query(sql))}`);
  } finally {
    await warehouse.close?.();
  }
}
