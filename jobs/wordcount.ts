// wordcount: text files → table wordcount(word STRING, count INT64).
// A word is a maximal run of ASCII letters and digits, lowercased.

import { defineJob, input, output, type Values } from '../src/index.ts';

const WORD = /[A-Za-z0-9]+/g;

/** The words of a line, as the job defines them. Exported for tests and benchmarks. */
export function words(text: string): string[] {
  const found = text.match(WORD);
  if (!found) return [];
  for (let i = 0; i < found.length; i++) found[i] = found[i]!.toLowerCase();
  return found;
}

export async function sum(values: Values<number>): Promise<number> {
  let total = 0;
  for await (const v of values) total += v;
  return total;
}

export const wordcount = defineJob({
  name: 'wordcount',
  description:
    'Counts words in text files (maximal runs of ASCII letters and digits, lowercased) into table wordcount.',
  input: input.text(),
  map(line: { text: string }, emit: (word: string, n: number) => void) {
    for (const word of words(line.text)) emit(word, 1);
  },
  combine: (_word: string, counts: number[]) => [counts.reduce((a, b) => a + b, 0)],
  async reduce(word: string, counts: Values<number>, emit: (row: { word: string; count: number }) => void) {
    emit({ word, count: await sum(counts) });
  },
  outputs: { wordcount: output.table('wordcount', { word: 'STRING', count: 'INT64' }, { mode: 'truncate' }) },
});
