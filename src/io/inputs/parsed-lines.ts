// One batch of a range's lines parsed into records, for the line formats (NDJSON, CSV): blank
// lines skipped, a line that does not parse kept as a bad record carrying file:line, positions and
// resume points looked up through the line each record came from.

import { InputError } from '../../core/errors.ts';
import type { RecordBatch } from '../types.ts';
import { positionIn, type RangeBatch } from './file-lines.ts';

export const BAD_RECORD_HINT =
  "Fix the line or set badRecords: 'skip' on the stage to skip and count bad records.";

export type LineParse<R> = { value: R } | { problem: string; cause?: unknown };

export interface ParseLinesOptions<R> {
  uri: string;
  parse: (text: string) => LineParse<R>;
  /** What a bad record's slot in `values` holds. */
  placeholder: R;
  /** The resume descriptor after batch line k. */
  rest: (k: number) => unknown;
  /** Lines to pass over besides blank ones (a CSV header). */
  skip?: (k: number) => boolean;
}

export async function parseLines<R>(
  batch: RangeBatch,
  o: ParseLinesOptions<R>,
): Promise<RecordBatch<R> | undefined> {
  const values: R[] = [];
  const lines: number[] = []; // values[i] came from batch line lines[i]
  let bad: Map<number, { error: Error; raw: string }> | undefined;
  for (let k = 0; k < batch.texts.length; k++) {
    const text = batch.texts[k]!;
    if (text.trim() === '' || o.skip?.(k)) continue;
    const parsed = o.parse(text);
    if ('problem' in parsed) {
      const n = await batch.lineNumber(k);
      const error = new InputError(
        `${o.uri}:${n}: ${parsed.problem}. ${BAD_RECORD_HINT}`,
        { file: o.uri, line: n },
        parsed.cause === undefined ? undefined : { cause: parsed.cause },
      );
      (bad ??= new Map()).set(values.length, { error, raw: text });
      values.push(o.placeholder);
    } else values.push(parsed.value);
    lines.push(k);
  }
  if (values.length === 0) return undefined;
  const out: RecordBatch<R> = {
    values,
    position: (i) => positionIn(o.uri, batch, lines[i]!),
    resumeAfter: (i) => o.rest(lines[i]!),
  };
  if (bad) out.bad = bad;
  return out;
}
