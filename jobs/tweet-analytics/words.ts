// The tweet tokenisation of gae-dataflow's pipeline: the set of lowercased `[A-Za-z']+` matches
// of a tweet's text, minus a fixed stopword list and every single letter. Digits, '@', '#' and
// '/' split words; an apostrophe does not ("don't" stays whole).

const WORD = /[A-Za-z']+/g;

/**
 * The predecessor's list. It kept "your" and "who" in word_counts by a missing comma
 * ('your' 'who' became 'yourwho'); we remove them everywhere, so both tables agree.
 */
export const STOPWORDS: ReadonlySet<string> = new Set([
  ...'a amp an and are as at be been but by co do for has have he her his https if in is it me my no not of on or rt s she so t than that the they this to us was we what with you your who when via'.split(
    ' ',
  ),
  ...'abcdefghijklmnopqrstuvwxyz',
]);

/** The pruned word set of a text, sorted (so pairs come out with w1 < w2). */
export function tweetWords(text: string): string[] {
  const set = new Set<string>();
  for (const m of text.matchAll(WORD)) {
    const w = m[0].toLowerCase();
    if (!STOPWORDS.has(w)) set.add(w);
  }
  // Words are ASCII, so UTF-16 order is code-point order (the engine's key order).
  return [...set].sort();
}
