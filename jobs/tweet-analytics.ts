// tweet-analytics: gae-dataflow's periodic Tweet pipeline (docs/tweet-analytics.md). Tweets of
// the last `days` → three appended tables: word_counts (top 500 words by the fraction of tweets
// containing them), urls (top 300 URLs by occurrences) and word_cooccur (top 300 word pairs by
// count × ln(1 / max percent)).
//
// Stages:
//   count       one pass over the entities: per-word tweet counts, per-URL counts and per-pair
//               tweet counts, summed by a combiner; reduce divides word counts by N, the stage's
//               `map-records` counter. Three intermediate NDJSON outputs.
//   top-words   } each: one key, a combiner that keeps the best N (associative), and a reduce
//   top-urls    } that writes the final N rows with the run's `ts`.
//   top-pairs   } also takes every word's percent as a side input for log_weight.

import { defineJob, fromStage, input, output, param, type Entity, type Values } from '../src/index.ts';
import { topN, topOfStream, type Ranked } from './tweet-analytics/top.ts';
import { tweetWords } from './tweet-analytics/words.ts';

export const TOP_WORDS = 500;
export const TOP_URLS = 300;
export const TOP_PAIRS = 300;
const DAY_MS = 86_400_000;

type CountKey = readonly ['w', string] | readonly ['u', string] | readonly ['p', string, string];
type Counted =
  | { word: string; percent: number }
  | { url: string; count: number }
  | { w1: string; w2: string; count: number };

/** A top-N candidate; `count` rides along for pairs. */
interface Candidate extends Ranked {
  count?: number;
}

const sumAll = (_k: unknown, ns: number[]) => [ns.reduce((a, b) => a + b, 0)];
/** All candidates go to one key, so one reduce task sees the (already combined) best of every map task. */
const ALL = 0;

/** One reduce that writes the best `n` candidates as rows. */
function topStage(n: number, row: (c: Candidate, ts: Date) => Record<string, unknown>) {
  return {
    combine: (_k: number, values: Candidate[]) => topN(values, n),
    partitions: 1,
    async reduce(
      _k: number,
      values: Values<Candidate>,
      emit: (r: Record<string, unknown>) => void,
      ctx: { params: { now: Date } },
    ) {
      for (const c of await topOfStream(values, n)) emit(row(c, ctx.params.now));
    },
  };
}

export const tweetAnalytics = defineJob({
  name: 'tweet-analytics',
  description:
    'Tweets of the last `days` before `now` → appended tables word_counts (top 500), urls (top 300) and word_cooccur (top 300).',
  params: {
    days: param.int({ default: 4, min: 1, description: 'Window: tweets created strictly after now − days.' }),
    now: param.datetime({
      default: 'runStart',
      description: 'End of the window and the ts of every row.',
    }),
  },
  stages: [
    {
      name: 'count',
      input: (p: { days: number; now: Date }) =>
        input.entities('Tweet', {
          filters: [{ property: 'created_at', op: '>', value: new Date(p.now.getTime() - p.days * DAY_MS) }],
        }),
      map(tweet: Entity, emit: (k: CountKey, n: number) => void) {
        const { text, urls } = tweet.properties;
        const words = tweetWords(typeof text === 'string' ? text : '');
        for (let i = 0; i < words.length; i++) {
          emit(['w', words[i]!], 1);
          // Sorted words give each pair once with w1 < w2; a tweet of k words gives k(k−1)/2.
          for (let j = i + 1; j < words.length; j++) emit(['p', words[i]!, words[j]!], 1);
        }
        // Every occurrence counts, even a URL repeated within one tweet.
        if (Array.isArray(urls))
          for (const u of urls) if (typeof u === 'string') emit(['u', u.toLowerCase()], 1);
      },
      combine: sumAll,
      async reduce(
        key: CountKey,
        counts: Values<number>,
        emit: (r: Counted, output: string) => void,
        ctx: { mapCounters: Readonly<Record<string, number>> },
      ) {
        let n = 0;
        for await (const c of counts) n += c;
        if (key[0] === 'w') {
          // N: every tweet read, including those without text (the predecessor's Count.Globally).
          const total = ctx.mapCounters['map-records'] ?? 0;
          emit({ word: key[1], percent: n / total }, 'percents');
        } else if (key[0] === 'u') emit({ url: key[1], count: n }, 'url_counts');
        else emit({ w1: key[1], w2: key[2], count: n }, 'pair_counts');
      },
      outputs: { percents: output.ndjson(), url_counts: output.ndjson(), pair_counts: output.ndjson() },
    },
    {
      name: 'top-words',
      input: fromStage('count', 'percents'),
      map(r: { word: string; percent: number }, emit: (k: number, c: Candidate) => void) {
        emit(ALL, { score: r.percent, key: r.word });
      },
      ...topStage(TOP_WORDS, (c, ts) => ({ word: c.key, percent: c.score, ts })),
      outputs: {
        word_counts: output.table(
          'word_counts',
          { word: 'STRING', percent: 'FLOAT64', ts: 'TIMESTAMP' },
          { mode: 'append' },
        ),
      },
    },
    {
      name: 'top-urls',
      input: fromStage('count', 'url_counts'),
      map(r: { url: string; count: number }, emit: (k: number, c: Candidate) => void) {
        emit(ALL, { score: r.count, key: r.url });
      },
      ...topStage(TOP_URLS, (c, ts) => ({ url: c.key, count: c.score, ts })),
      outputs: {
        urls: output.table('urls', { url: 'STRING', count: 'INT64', ts: 'TIMESTAMP' }, { mode: 'append' }),
      },
    },
    {
      name: 'top-pairs',
      input: fromStage('count', 'pair_counts'),
      // Every distinct word's percent, whole, in every task: bounded by the distinct words of the
      // window (tens of thousands for 4 days of a timeline, ~1-2 MB), unlike the pairs.
      sideInputs: { percents: fromStage('count', 'percents') },
      map(
        r: { w1: string; w2: string; count: number },
        emit: (k: number, c: Candidate) => void,
        ctx: { side: Readonly<Record<string, readonly unknown[]>> },
      ) {
        const percents = percentIndex(ctx.side.percents ?? []);
        const p = Math.max(percents.get(r.w1) ?? NaN, percents.get(r.w2) ?? NaN);
        emit(ALL, { score: r.count * Math.log(1 / p), key: [r.w1, r.w2], count: r.count });
      },
      ...topStage(TOP_PAIRS, (c, ts) => {
        const [w1, w2] = c.key as [string, string];
        return { w1, w2, count: c.count, log_weight: c.score, ts };
      }),
      outputs: {
        word_cooccur: output.table(
          'word_cooccur',
          { w1: 'STRING', w2: 'STRING', count: 'INT64', log_weight: 'FLOAT64', ts: 'TIMESTAMP' },
          { mode: 'append' },
        ),
      },
    },
  ],
});

/** word → percent, built once per task (the side input array is the same object for the whole task). */
const indexes = new WeakMap<readonly unknown[], Map<string, number>>();
function percentIndex(side: readonly unknown[]): Map<string, number> {
  let index = indexes.get(side);
  if (!index) {
    index = new Map();
    for (const r of side as readonly { word: string; percent: number }[]) index.set(r.word, r.percent);
    indexes.set(side, index);
  }
  return index;
}
