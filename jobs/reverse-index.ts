// reverse-index: word → the sorted unique files it appears in (appengine-mapreduce's demo), and
// reverse-index-spread, a two-stage job whose second stage reads the first stage's output and
// uses its map counters for shares.

import { defineJob, fromStage, input, output, type Values } from '../src/index.ts';
import { words } from './wordcount.ts';
import { basename } from 'node:path';

const uniqueSorted = (files: Iterable<string>) => [...new Set(files)].sort();

const indexStage = {
  input: input.text(),
  map(line: { file: string; text: string }, emit: (word: string, file: string) => void) {
    const file = basename(line.file);
    for (const word of new Set(words(line.text))) emit(word, file);
  },
  combine: (_word: string, files: string[]) => uniqueSorted(files),
  async reduce(word: string, files: Values<string>, emit: (r: { word: string; files: string[] }) => void) {
    const all: string[] = [];
    for await (const f of files) all.push(f);
    emit({ word, files: uniqueSorted(all) });
  },
};

export const reverseIndex = defineJob({
  name: 'reverse-index',
  description:
    'For every word of the input files, the sorted list of files it appears in (table reverse_index).',
  ...indexStage,
  outputs: {
    reverse_index: output.table(
      'reverse_index',
      { word: 'STRING', files: { type: 'STRING', mode: 'REPEATED' } },
      { mode: 'truncate' },
    ),
  },
});

export const reverseIndexSpread = defineJob({
  name: 'reverse-index-spread',
  description:
    'Two stages: a reverse index, then how many words appear in exactly k files, with their share of all words.',
  stages: [
    { name: 'index', ...indexStage },
    {
      name: 'spread',
      input: fromStage('index'),
      map(entry: { word: string; files: string[] }, emit: (files: number, one: number) => void) {
        emit(entry.files.length, 1);
      },
      combine: (_k: number, ones: number[]) => [ones.reduce((a, b) => a + b, 0)],
      async reduce(
        files: number,
        counts: Values<number>,
        emit: (r: { files: number; words: number; share: number }) => void,
        ctx,
      ) {
        let n = 0;
        for await (const c of counts) n += c;
        // Every map record of this stage is one distinct word: the total for shares.
        emit({ files, words: n, share: n / (ctx.mapCounters['map-records'] ?? n) });
      },
      outputs: {
        word_spread: output.table(
          'word_spread',
          { files: 'INT64', words: 'INT64', share: 'FLOAT64' },
          { mode: 'truncate' },
        ),
      },
    },
  ],
});
