// tweet-analytics written out directly over plain records (no engine, no combiners), and the
// comparison of the job's three tables with it: shared by the local test (test/jobs) and the
// end-to-end test through the emulated cloud (test/cloud/workloads.test.ts).

import assert from 'node:assert/strict';
import { TOP_PAIRS, TOP_URLS, TOP_WORDS } from '../../../jobs/tweet-analytics.ts';
import type { SampleTweet } from '../../../src/samples/tweets.ts';

const DAY = 86_400_000;

export const PLAIN_STOP = new Set(
  'a amp an and are as at be been but by co do for has have he her his https if in is it me my no not of on or rt s she so t than that the they this to us was we what with you your who when via'.split(
    ' ',
  ),
);

export interface PlainTables {
  /** Tweets in the window (N). */
  N: number;
  word_counts: { word: string; percent: number }[];
  urls: { url: string; count: number }[];
  word_cooccur: { w1: string; w2: string; count: number; log_weight: number }[];
}

/** The computation over plain records; `cut` scales the top-N cuts (Infinity: every candidate). */
export function plain(tweets: readonly SampleTweet[], now: string, days: number, cut = 1): PlainTables {
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

export const num = (v: unknown) => Number(v);
/** A TIMESTAMP as an ISO string, whether it came back as a Date, a string or a BigQueryTimestamp. */
export const iso = (v: unknown) => {
  const value = typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v;
  return new Date(value as string | Date).toISOString();
};

/** Table rows in the job's rank order (tables have no order; score desc, then key asc). */
export function ranked<T extends Record<string, unknown>>(
  rows: T[],
  score: string,
  key: (r: T) => string,
): T[] {
  return [...rows].sort(
    (a, b) => num(b[score]) - num(a[score]) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}

export function assertClose(got: number, want: number, what: string) {
  assert.ok(Math.abs(got - want) <= 1e-12, `${what}: ${got} vs ${want}`);
}

/** The job's three tables equal the plain ones: same rows, same rank order, floats within 1e-12. */
export function assertTables(outputs: Record<string, Record<string, unknown>[]>, want: PlainTables) {
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
