// Newline-delimited JSON from files or globs: one JSON value per line, split by byte ranges like
// text. A line that does not parse is a bad record carrying file:line, so the stage's badRecords
// policy can fail the run there or skip it and keep counting.

import { InputError } from '../../core/errors.ts';
import type { InputFiles } from '../../ports/input-files.ts';
import { recordsOf } from '../batches.ts';
import type { InputReader, RecordBatch } from '../types.ts';
import { positionIn, readRangeLines } from './file-lines.ts';
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

export const BAD_RECORD_HINT =
  "Fix the line or set badRecords: 'skip' on the stage to skip and count bad records.";

async function* ndjsonBatches(descriptor: unknown, files: InputFiles): AsyncGenerator<RecordBatch<unknown>> {
  const ranges = rangesOf(descriptor);
  for (const [r, range] of ranges.entries()) {
    for await (const batch of readRangeLines(files, range)) {
      const values: unknown[] = [];
      const lines: number[] = []; // values[i] came from batch line lines[i]
      let bad: Map<number, { error: Error; raw: string }> | undefined;
      for (let k = 0; k < batch.texts.length; k++) {
        const text = batch.texts[k]!;
        if (text.trim() === '') continue;
        try {
          values.push(JSON.parse(text));
        } catch (err) {
          const n = await batch.lineNumber(k);
          const error = new InputError(
            `${range.uri}:${n}: not valid JSON (${(err as Error).message}). ${BAD_RECORD_HINT}`,
            { file: range.uri, line: n },
            { cause: err },
          );
          (bad ??= new Map()).set(values.length, { error, raw: text });
          values.push(undefined);
        }
        lines.push(k);
      }
      if (values.length === 0) continue;
      const out: RecordBatch<unknown> = {
        values,
        position: (i) => positionIn(range.uri, batch, lines[i]!),
        resumeAfter: (i) => restOfSplit(ranges, r, batch.rest(lines[i]!)),
      };
      if (bad) out.bad = bad;
      yield out;
    }
  }
}

export const ndjsonReader: InputReader<NdjsonInputSpec, unknown> = {
  type: 'ndjson',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  read: (_spec, descriptor, env) => recordsOf(ndjsonBatches(descriptor, env.files)),
  readBatches: (_spec, descriptor, env) => ndjsonBatches(descriptor, env.files),
};
