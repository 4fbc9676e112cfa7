import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOP_PAIRS, TOP_URLS, TOP_WORDS, tweetAnalytics } from '../../jobs/tweet-analytics.ts';
import { tweetWords } from '../../jobs/tweet-analytics/words.ts';
import { generateTweets, SAMPLE_NOW, tweetEntity, type SampleTweet } from '../../src/samples/tweets.ts';
import { runJob } from '../../src/testing.ts';
import { assertClose, assertTables, iso, num, plain, ranked } from './plain/tweet-analytics.ts';

const DAY = 86_400_000;

async function analyse(
  tweets: SampleTweet[],
  params: Record<string, unknown>,
  shards = 4,
  partitions = 3,
  extra: Parameters<typeof runJob>[1] = {},
) {
  const { run, outputs } = await runJob(tweetAnalytics, {
    ...extra,
    entities: tweets.map(tweetEntity),
    params,
    shards,
    partitions,
  });
  assert.equal(run.status, 'DONE', JSON.stringify(run.error));
  return { run, outputs };
}

test('tweet-analytics matches a plain implementation on a generated sample', async () => {
  const tweets = generateTweets({ count: 3000, seed: 11 });
  const want = plain(tweets, SAMPLE_NOW, 4);
  assert.ok(want.N > 1500 && want.N < tweets.length, 'the window should drop some tweets');
  // Every table is cut, and at the cut several candidates tie: the key order decides.
  const full = plain(tweets, SAMPLE_NOW, 4, Infinity);
  for (const [table, score, top] of [
    ['word_counts', 'percent', TOP_WORDS],
    ['urls', 'count', TOP_URLS],
    ['word_cooccur', 'log_weight', TOP_PAIRS],
  ] as const) {
    const rows = full[table] as unknown as Record<string, number>[];
    assert.ok(rows.length > top, `${table} should have more than ${top} candidates`);
    assert.equal(rows[top - 1]![score], rows[top]![score], `${table} should tie at the cut`);
  }
  const { run, outputs } = await analyse(tweets, { now: SAMPLE_NOW });
  assert.deepEqual(
    run.stages.map((s) => s.name),
    ['count', 'top-words', 'top-urls', 'top-pairs'],
  );

  assertTables(outputs, want);

  // One ts for every row of the run: the `now` param.
  for (const rows of [outputs.word_counts!, outputs.urls!, outputs.word_cooccur!])
    for (const r of rows) assert.equal(iso(r.ts), SAMPLE_NOW);
  // The predecessor's typo kept these in word_counts; we remove them everywhere.
  for (const r of outputs.word_counts!) assert.ok(r.word !== 'your' && r.word !== 'who');
  for (const r of outputs.word_cooccur!) for (const w of [r.w1, r.w2]) assert.ok(w !== 'your' && w !== 'who');
});

test('golden: the RT @bob tweet gives 7 pruned words and 21 pairs; log weights; repeated URLs', async () => {
  const text = "RT @bob: The cat and the hat, don't you see? https://t.co/xY9z #Cats";
  assert.deepEqual(tweetWords(text), ['bob', 'cat', 'cats', "don't", 'hat', 'see', 'xy']);
  assert.ok(Math.abs(3 * Math.log(1 / Math.max(0.1, 0.02)) - 6.9078) < 1e-4);

  const t = (tid: number, text: string, urls: string[] = []): SampleTweet => ({
    user: 'u',
    text,
    created_at: '2026-11-20T00:00:00.000Z',
    tid,
    urls,
  });
  const { outputs } = await analyse(
    [
      t(1, text, ['https://A.com/x', 'https://a.com/X']),
      t(2, 'cat hat'),
      t(3, ''),
      t(4, 'Your who WHO', ['https://B.com']),
    ],
    { now: SAMPLE_NOW },
    2,
    2,
  );
  assert.equal(outputs.word_cooccur!.length, 21);
  const catHat = outputs.word_cooccur!.find((r) => r.w1 === 'cat' && r.w2 === 'hat')!;
  // 2 of N=4 tweets contain both; both words have percent 2/4.
  assert.equal(num(catHat.count), 2);
  assertClose(num(catHat.log_weight), 2 * Math.log(2), 'cat hat');
  const bobCat = outputs.word_cooccur!.find((r) => r.w1 === 'bob' && r.w2 === 'cat')!;
  assertClose(num(bobCat.log_weight), Math.log(2), 'bob cat'); // max(1/4, 2/4)
  // The first pair of the RT @bob tweet, in (w1, w2) order, is (bob, cat).
  assert.equal(outputs.word_cooccur!.map((r) => `${r.w1 as string} ${r.w2 as string}`).sort()[0], 'bob cat');
  assert.deepEqual(
    ranked(outputs.urls!, 'count', (r) => r.url as string).map((r) => [r.url, num(r.count)]),
    [
      ['https://a.com/x', 2],
      ['https://b.com', 1],
    ],
  );
  // N counts the empty tweet: "cat" is in 2 of 4 tweets.
  const cat = outputs.word_counts!.find((r) => r.word === 'cat')!;
  assert.equal(num(cat.percent), 0.5);
  assert.ok(!outputs.word_counts!.some((r) => r.word === 'your' || r.word === 'who'));
});

test('the window is strict: a tweet exactly at now − days is excluded', async () => {
  // Every tweet has a URL: a table output with no rows is not created, and runJob reads all three.
  const at = (ms: number, text: string): SampleTweet => ({
    user: 'u',
    text,
    created_at: new Date(Date.parse(SAMPLE_NOW) - ms).toISOString(),
    tid: ms + 1,
    urls: [`https://x.com/${text.replace(' ', '-')}`],
  });
  const { outputs } = await analyse(
    [at(2 * DAY, 'edge'), at(2 * DAY - 1, 'inside'), at(3 * DAY, 'old'), at(0, 'inside now')],
    { now: SAMPLE_NOW, days: 2 },
    2,
    1,
  );
  assert.deepEqual(outputs.urls!.map((r) => r.url).sort(), [
    'https://x.com/inside',
    'https://x.com/inside-now',
  ]);
  const got = new Map(outputs.word_counts!.map((r) => [r.word, num(r.percent)]));
  assert.deepEqual([...got].sort(), [
    ['inside', 1],
    ['now', 0.5],
  ]);
});

test('duplicate and lost deliveries and sliced tasks change nothing (N included)', async () => {
  const tweets = generateTweets({ count: 300, seed: 5 });
  const { outputs } = await analyse(tweets, { now: SAMPLE_NOW }, 3, 2, {
    faults: { seed: 9, duplicateRate: 0.3, failBeforeRate: 0.1, failAfterRate: 0.2 },
    taskBudgetMillis: 20,
  });
  assertTables(outputs, plain(tweets, SAMPLE_NOW, 4));
});
