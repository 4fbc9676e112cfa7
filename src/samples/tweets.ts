// A deterministic sample timeline for tweet-analytics: the demo's data and the job's tests.
// Texts draw words from a Zipf-like vocabulary (real English words and stopwords, so the top of
// word_counts looks like a real timeline), with retweets, @mentions, #tags, t.co links, numbers,
// contractions and some empty texts; created_at spreads over ~6 days before `now`, so a 4-day
// window drops about a third; urls hold "expanded" URLs in mixed case, sometimes repeated.

import { writeFile } from 'node:fs/promises';
import type { Entity } from '../ports/entity-store.ts';
import { mulberry32, vocabulary } from './zipf-text.ts';

export interface SampleTweet {
  user: string;
  text: string;
  /** ISO 8601 UTC. */
  created_at: string;
  tid: number;
  urls: string[];
}

/** The fixed "now" of the sample: the demo runs tweet-analytics as of this instant. */
export const SAMPLE_NOW = '2026-11-20T12:00:00.000Z';

export interface TweetSampleOptions {
  count?: number;
  seed?: number;
  now?: string;
  /** How far back created_at goes. */
  days?: number;
}

// Most frequent first: stopwords mixed in where they would rank in real English.
const VOCABULARY = (
  'the to a and of in is for on you it with this that be at rt are we my your just by have from ' +
  'not new was all can so but about what who get today our more time when how day people via me ' +
  'up one out like love now good great cloud data google week news team first year make work ' +
  'launch app check best world free thanks open live video post read game music city night ' +
  "don't it's i'm can't we're python code release build deploy server team coffee weekend " +
  'serverless mapreduce bigquery datastore analytics pipeline kubernetes container function ' +
  'event update security storage network latency scale shard partition cluster query table ' +
  'morning lunch dinner rain sun travel airport flight train book movie show song album concert ' +
  'football match goal win lose season player coach fans stadium election vote policy market ' +
  'price stock crypto startup founder product design feature bug fix test review merge branch'
).split(' ');
// A long tail of made-up words after the real ones, so word_counts has more than 500 candidates.
const WORDS = [...new Set([...VOCABULARY, ...vocabulary(3000, 99)])];
const STOP_HEAVY = ['the', 'a', 'to', 'and', 'of', 'is', 'in', 'for', 'on', 'it', 'amp', 's', 't'];
// Screen names: made-up words, some with an underscore or digits (which split them into words).
const USERS = vocabulary(80, 31).map((w, i) => (i % 3 === 0 ? `${w}_${i}` : i % 3 === 1 ? `${w}${i}` : w));
const HOST_NAMES = ['Example.com', 'news.EXAMPLE.org', 'Blog.Cloud.dev', 'www.Photos.net', 'docs.site.io'];
/** Linked pages: a few are shared often, most once or twice (same Zipf-like shape as words). */
const URLS = Array.from(
  { length: 600 },
  (_, i) =>
    `https://${HOST_NAMES[i % HOST_NAMES.length]!}/${VOCABULARY[(i * 31) % VOCABULARY.length]!.replace("'", '')}/${i}`,
);
const TAGS = ['#gcp', '#serverless', '#BigData', '#news', '#Friday', '#devops'];

/** The sample as plain records (what `cloudreduce ingest` or the ingest function would receive). */
export function generateTweets(options: TweetSampleOptions = {}): SampleTweet[] {
  const { count = 5000, seed = 2026, now = SAMPLE_NOW, days = 6 } = options;
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // Zipf-like: rank r with probability ∝ 1/(r+1); inverse CDF by a power of a uniform draw.
  const zipf = () => WORDS[Math.min(WORDS.length - 1, Math.floor(WORDS.length ** rand()) - 1)]!;
  const end = Date.parse(now);
  const tweets: SampleTweet[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const urls: string[] = [];
    if (rand() < 0.04) {
      tweets.push(tweet(i, ''));
      continue;
    }
    if (rand() < 0.25) parts.push('RT', `@${pick(USERS)}:`);
    const n = 3 + Math.floor(rand() * 14);
    for (let w = 0; w < n; w++) {
      const word = rand() < 0.15 ? pick(STOP_HEAVY) : zipf();
      parts.push(rand() < 0.1 ? word[0]!.toUpperCase() + word.slice(1) : word);
      if (rand() < 0.04) parts.push(`@${pick(USERS)}`);
      if (rand() < 0.03) parts.push(String(Math.floor(rand() * 2030)));
    }
    if (rand() < 0.2) parts.push(pick(TAGS));
    const links = rand() < 0.35 ? 1 + Math.floor(rand() * 2) : 0;
    for (let l = 0; l < links; l++) {
      const url = URLS[Math.floor(URLS.length ** rand()) - 1]!;
      urls.push(url);
      // The same link twice in one tweet happens; the job counts both.
      if (rand() < 0.05) urls.push(url.toUpperCase().replace('HTTPS', 'https'));
      parts.push(`https://t.co/${Math.floor(rand() * 36 ** 6).toString(36)}`);
    }
    tweets.push(tweet(i, parts.join(' '), urls));
  }
  return tweets;

  function tweet(i: number, text: string, urls: string[] = []): SampleTweet {
    // Whole milliseconds over `days` before `now`; occasionally exactly on a day boundary.
    const back =
      rand() < 0.01 ? Math.ceil(rand() * days) * 86_400_000 : Math.floor(rand() * days * 86_400_000);
    return {
      user: pick(USERS),
      text,
      created_at: new Date(end - back).toISOString(),
      tid: 1_000_000_000_000 + i * 37,
      urls,
    };
  }
}

export function tweetsToNdjson(tweets: readonly SampleTweet[]): string {
  return tweets.map((t) => JSON.stringify(t)).join('\n') + '\n';
}

export async function writeTweetSample(path: string, options: TweetSampleOptions = {}): Promise<void> {
  await writeFile(path, tweetsToNdjson(generateTweets(options)));
}

/** A Tweet entity keyed by its tid, so storing it again is an idempotent upsert. */
export function tweetEntity(t: SampleTweet): Entity {
  return {
    key: { kind: 'Tweet', id: String(t.tid) },
    properties: { user: t.user, text: t.text, created_at: new Date(t.created_at), tid: t.tid, urls: t.urls },
  };
}
