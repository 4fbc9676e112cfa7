// The hand-written reference, shared by the measured child (hand-loop.ts), the profile and the
// breakdown: 1 MiB utf8 chunks cut at '\n', the job's own `words()` per line, one Map of counts.

import { createReadStream } from 'node:fs';
import { words } from '../jobs/wordcount.ts';

export async function forEachLine(input: string, onLine: (line: string) => void): Promise<void> {
  let carry = '';
  for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry) onLine(carry);
}

export async function countWords(input: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await forEachLine(input, (line) => {
    for (const word of words(line)) counts.set(word, (counts.get(word) ?? 0) + 1);
  });
  return counts;
}
