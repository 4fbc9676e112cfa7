// Text lines from files or globs, split by byte ranges (see file-splits.ts and file-lines.ts).

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

export interface TextInputSpec extends FileInputSpec {
  readonly type: 'text';
}

export interface TextLine {
  file: string;
  /** Byte offset of the line in the file (in the decompressed stream for .gz files). */
  offset: number;
  /** The line without its '\n' or '\r\n'. */
  text: string;
}

export function textInput(paths?: string | readonly string[], options: FileInputOptions = {}): TextInputSpec {
  const list = pathList(paths);
  return { type: 'text', ...(list ? { paths: list } : {}), ...options };
}

async function* textBatches(
  descriptor: unknown,
  files: Parameters<typeof readRangeLines>[0],
): AsyncGenerator<RecordBatch<TextLine>> {
  const ranges = rangesOf(descriptor);
  for (const [r, range] of ranges.entries()) {
    const file = range.uri;
    for await (const batch of readRangeLines(files, range)) {
      const { offsets, texts } = batch;
      const values: TextLine[] = new Array(texts.length);
      for (let k = 0; k < texts.length; k++) values[k] = { file, offset: offsets[k]!, text: texts[k]! };
      yield {
        values,
        position: (k) => positionIn(file, batch, k),
        resumeAfter: (k) => restOfSplit(ranges, r, batch.rest(k)),
      };
    }
  }
}

export const textReader: InputReader<TextInputSpec, TextLine> = {
  type: 'text',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  read: (_spec, descriptor, env) => recordsOf(textBatches(descriptor, env.files)),
  readBatches: (_spec, descriptor, env) => textBatches(descriptor, env.files),
};
