// The three result formats reduced to one Map<word, count>, and the comparison that fails loudly.

import { readFile } from 'node:fs/promises';

export type Counts = Map<string, number>;

/** The hand loop's output: one JSON object, word → count. */
export async function readHandCounts(file: string): Promise<Counts> {
  const object = JSON.parse(await readFile(file, 'utf8')) as Record<string, number>;
  return new Map(Object.entries(object));
}

/** `uniq -c` output: "   123 word". tr turns a leading separator into an empty line: not a word. */
export async function readUniqCounts(file: string): Promise<Counts> {
  const counts: Counts = new Map();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const match = /^\s*(\d+) (.*)$/.exec(line);
    if (match && match[2]) counts.set(match[2], Number(match[1]));
  }
  return counts;
}

/** Rows of `cloudreduce query "SELECT word, count FROM wordcount" --json` (INT64 may come as a string). */
export function rowsToCounts(rows: readonly { word: string; count: number | string }[]): Counts {
  return new Map(rows.map((row) => [row.word, Number(row.count)]));
}

/** Throws, listing the first differences, unless `actual` has exactly the words and counts of `expected`. */
export function assertSameCounts(expected: Counts, actual: Counts, what: string): void {
  const problems: string[] = [];
  for (const [word, count] of expected) {
    const got = actual.get(word);
    if (got !== count) problems.push(`"${word}": expected ${count}, got ${got ?? 'nothing'}`);
  }
  for (const word of actual.keys())
    if (!expected.has(word)) problems.push(`"${word}": not in the hand loop's counts`);
  if (problems.length > 0) {
    throw new Error(
      `${what} differs from the hand loop on ${problems.length} word(s) (hand loop: ${expected.size} words, ` +
        `${what}: ${actual.size}):\n  ${problems.slice(0, 10).join('\n  ')}`,
    );
  }
}
