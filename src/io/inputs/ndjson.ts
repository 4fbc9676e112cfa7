// Newline-delimited JSON from files or globs: one JSON value per line, split by byte ranges like
// text. A line that does not parse is a bad record carrying file:line, so the stage's badRecords
// policy can fail the run there or skip it and keep counting.

import type { InputFiles } from '../../ports/input-files.ts';
import { recordsOf } from '../batches.ts';
import type { InputReader, RecordBatch } from '../types.ts';
import { readRangeLines } from './file-lines.ts';
import { parseLines, type LineParse } from './parsed-lines.ts';
import {
  pathList,
  rangesOf,
  restOfSplit,
  splitFiles,
  type FileInputOptions,
  type FileInputSpec,
} from './file-splits.ts';

export interface NdjsonInputSpec extends FileInputSpec {
  readonly type: 'ndjson';
}

export function ndjsonInput(
  paths?: string | readonly string[],
  options: FileInputOptions = {},
): NdjsonInputSpec {
  const list = pathList(paths);
  return { type: 'ndjson', ...(list ? { paths: list } : {}), ...options };
}

export { BAD_RECORD_HINT } from './parsed-lines.ts';

async function* ndjsonBatches(descriptor: unknown, files: InputFiles): AsyncGenerator<RecordBatch<unknown>> {
  const ranges = rangesOf(descriptor);
  for (const [r, range] of ranges.entries()) {
    for await (const batch of readRangeLines(files, range)) {
      const out = await parseLines(batch, {
        uri: range.uri,
        parse: parseJsonLine,
        placeholder: undefined,
        rest: (k) => restOfSplit(ranges, r, batch.rest(k)),
      });
      if (out) yield out;
    }
  }
}

function parseJsonLine(text: string): LineParse<unknown> {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { problem: `not valid JSON (${(err as Error).message})`, cause: err };
  }
}

export const ndjsonReader: InputReader<NdjsonInputSpec, unknown> = {
  type: 'ndjson',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  read: (_spec, descriptor, env) => recordsOf(ndjsonBatches(descriptor, env.files)),
  readBatches: (_spec, descriptor, env) => ndjsonBatches(descriptor, env.files),
};
