// The tuned single-thread reference of issue #12: word count as a byte loop with no string per
// word, over 4 MiB reads of the file. The counting is jobs/word-bytes.ts, the code the
// byte-scanning job (wordcount-blocks) runs inside the engine, so the two differ by the engine
// alone. Same word rule as jobs/wordcount.ts; counts are checked equal to the hand loop's.
// Usage: node bench/tuned-loop.ts INPUT COUNTS_JSON

import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { WordCounter } from '../jobs/word-bytes.ts';

export function countWordsTuned(input: string): Map<string, number> {
  const counter = new WordCounter();
  const buffer = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(input, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer))
      counter.scan(buffer, 0, read);
    counter.end();
  } finally {
    closeSync(fd);
  }
  const counts = new Map<string, number>();
  counter.forEach((word, n) => counts.set(word, n));
  return counts;
}

if (import.meta.main) {
  const [input, countsFile] = process.argv.slice(2);
  if (!input || !countsFile) throw new Error('Usage: node bench/tuned-loop.ts INPUT COUNTS_JSON');
  writeFileSync(countsFile, JSON.stringify(Object.fromEntries(countWordsTuned(input))));
}
