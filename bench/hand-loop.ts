// The measured hand loop, as its own process. Usage: node bench/hand-loop.ts INPUT COUNTS_JSON

import { writeFile } from 'node:fs/promises';
import { countWords } from './hand-count.ts';

const [input, countsFile] = process.argv.slice(2);
if (!input || !countsFile) throw new Error('Usage: node bench/hand-loop.ts INPUT COUNTS_JSON');
await writeFile(countsFile, JSON.stringify(Object.fromEntries(await countWords(input))));
