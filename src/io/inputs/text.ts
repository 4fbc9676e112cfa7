// Text lines from files or globs, split by byte ranges (see file-splits.ts and file-lines.ts).

import type { InputReader } from '../types.ts';
import { positionOf, readRangeLines } from './file-lines.ts';
import { pathList, rangesOf, splitFiles, type FileInputOptions, type FileInputSpec } from './file-splits.ts';

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

export const textReader: InputReader<TextInputSpec, TextLine> = {
  type: 'text',
  split: (spec, shards, ctx) => splitFiles(spec, shards, ctx),
  async *read(_spec, descriptor, env) {
    for (const range of rangesOf(descriptor)) {
      for await (const line of readRangeLines(env.files, range)) {
        yield {
          value: { file: range.uri, offset: line.offset, text: line.bytes.toString('utf8') },
          position: positionOf(range.uri, line),
        };
      }
    }
  },
};
