// Newline-delimited JSON from files or globs: one JSON value per line, split by byte ranges like
// text. A line that does not parse is a bad record carrying file:line, so the stage's badRecords
// policy can fail the run there or skip it and keep counting.

import { InputError } from '../../core/errors.ts';
import type { InputReader } from '../types.ts';
import { positionOf, readRangeLines } from './file-lines.ts';
import { pathList, rangesOf, splitFiles, type FileInputOptions, type FileInputSpec } from './file-splits.ts';

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

export const ndjsonReader: InputReader<NdjsonInputSpec, unknown> = {
  type: 'ndjson',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  async *read(_spec, descriptor, env) {
    for (const range of rangesOf(descriptor)) {
      for await (const line of readRangeLines(env.files, range)) {
        const text = line.bytes.toString('utf8');
        if (text.trim() === '') continue;
        const position = positionOf(range.uri, line);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          const n = await line.lineNumber();
          const error = new InputError(
            `${range.uri}:${n}: not valid JSON (${(err as Error).message}). ${BAD_RECORD_HINT}`,
            { file: range.uri, line: n },
            { cause: err },
          );
          yield { value: undefined, position, bad: { error, raw: text } };
          continue;
        }
        yield { value, position };
      }
    }
  },
};
