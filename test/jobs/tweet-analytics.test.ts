import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOP_PAIRS, TOP_URLS, TOP_WORDS, tweetAnalytics } from '../../jobs/tweet-analytics.ts';
import { tweetWords } from '../../jobs/tweet-analytics/words.ts';
import { generateTweets, SAMPLE_NOW, tweetEntity, type SampleTweet } from '../../src/samples/tweets.ts';
import { runJob } from '../../src/testing.ts';

const DAY = 86_400_000;

/** The computation written out directly, over plain records (no engine, no combiners). */
function plain(tweets: readonly SampleTweet[], now: string, days: number, cut = 1) {
  const from = Date.parse(now) - days * DAY;
  const kept = tweets.filter((t) => Date.parse(t.created_at) > from);
  const N = kept.length;
  const df = new Map<string, number>();
  const urls = new Map<string, number>();
  const pairs = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const t of kept) {
    const ws = [...new Set((t.text.match(/[A-Za-z']+/g) ?? []).map((w) => w.toLowerCase()))].filter(
      (w) => w.length > 1 && !PLAIN_STOP.has(w),
    );
    for (const w of ws) bump(df, w);
    for (const a of ws) for (const b of ws) if (a < b) bump(pairs, `${a} ${b}`);
    for (const u of t.urls) bump(urls, u.toLowerCase());
  }
  const percent = new Map([...df].map(([w, c]) => [w, c / N]));
  const byScoreThenKey = <T extends { s: number; k: string }>(a: T, b: T) =>
    b.s - a.s || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
  const word_counts = [...percent]
    .map(([k, s]) => ({ k, s }))
    .sort(byScoreThenKey)
    .slice(0, TOP_WORDS * cut)
    .map(({ k, s }) => ({ word: k, percent: s }));
  const urlRows = [...urls]
    .map(([k, s]) => ({ k, s }))
    .sort(byScoreThenKey)
    .slice(0, TOP_URLS * cut)
    .map(({ k, s }) => ({ url: k, count: s }));
  const word_cooccur = [...pairs]
    .map(([k, count]) => {
      const [w1, w2] = k.split(' ') as [string, string];
      return { k, s: count * Math.log(1 / Math.max(percent.get(w1)!, percent.get(w2)!)), w1, w2, count };
    })
    .sort(byScoreThenKey)
    .slice(0, TOP_PAIRS * cut)
    .map(({ w1, w2, count, s }) => ({ w1, w2, count, log_weight: s }));
  return { N, word_counts, urls: urlRows, word_cooccur };
}

const PLAIN_STOP = new Set(
  'a amp an and are as at be been but by co do for has have he her his https if in is it me my no not of on or rt s she so t than that the they this to us was we what with you your who when via'.split(
    ' ',
  ),
);

const num = (v: unknown) => Number(v);
const iso = (v: unknown) => new Date(v as string | Date).toISOString();

/** Table rows in the job's rank order (tables have no order; score desc, then key asc). */
function ranked<T extends Record<string, unknown>>(rows: T[], score: string, key: (r: T) => string): T[] {
  return [...rows].sort(
    (a, b) => num(b[score]) - num(a[score]) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}

function assertClose(got: number, want: number, what: string) {
  assert.ok(Math.abs(got - want) <= 1e-12, `${what}: ${got} vs ${want}`);
}

/** The job's three tables equal the plain ones: same rows, same rank order, floats within 1e-12. */
function assertTables(outputs: Record<string, Record<string, unknown>[]>, want: ReturnType<typeof plain>) {
  const words = ranked(outputs.word_counts!, 'percent', (r) => r.word as string);
  assert.deepEqual(
    words.map((r) => r.word),
    want.word_counts.map((r) => r.word),
  );
  words.forEach((r, i) => assertClose(num(r.percent), want.word_counts[i]!.percent, `percent ${r.word}`));

  assert.equal(words.length, TOP_WORDS);
  const urls = ranked(outputs.urls!, 'count', (r) => r.url as string);
  assert.deepEqual(
    urls.map((r) => [r.url, num(r.count)]),
    want.urls.map((r) => [r.url, r.count]),
  );

  const pairs = ranked(outputs.word_cooccur!, 'log_weight', (r) => `${r.w1 as string} ${r.w2 as string}`);
  assert.deepEqual(
    pairs.map((r) => [r.w1, r.w2, num(r.count)]),
    want.word_cooccur.map((r) => [r.w1, r.w2, r.count]),
  );
  pairs.forEach((r, i) =>
    assertClose(num(r.log_weight), want.word_cooccur[i]!.log_weight, `log_weight ${r.w1} ${r.w2}`),
  );
}

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
