// CSV from files or globs, split by byte ranges like text. Every split reads its file's header
// from the file's first line (a split that starts mid-file has not seen it), and each record is
// an object from column name to string. Rows that do not fit are bad records with file:line.

import { ConfigError, InputError } from '../../core/errors.ts';
import type { InputFiles } from '../../ports/input-files.ts';
import { recordsOf } from '../batches.ts';
import type { InputReader, RecordBatch } from '../types.ts';
import { delimiterProblem, parseCsvLine, type CsvParse } from './csv-line.ts';
import { readRangeLines } from './file-lines.ts';
import {
  pathList,
  rangesOf,
  restOfSplit,
  splitFiles,
  type FileInputOptions,
  type FileInputSpec,
  type FileRange,
} from './file-splits.ts';
import { parseLines } from './parsed-lines.ts';

export interface CsvInputSpec extends FileInputSpec {
  readonly type: 'csv';
  /** true (default): the first line of every file names the columns; a list: these names, no header line; false: col1, col2… */
  readonly header?: boolean | readonly string[];
  /** One character; default ",". */
  readonly delimiter?: string;
}

export interface CsvOptions extends FileInputOptions {
  header?: boolean | readonly string[];
  delimiter?: string;
}

export type CsvRecord = Record<string, string>;

export function csvInput(paths?: string | readonly string[], options: CsvOptions = {}): CsvInputSpec {
  const list = pathList(paths);
  const spec: CsvInputSpec = { type: 'csv', ...(list ? { paths: list } : {}), ...options };
  checkCsvSpec(spec);
  return spec;
}

export function checkCsvSpec(spec: CsvInputSpec): void {
  const problem = delimiterProblem(spec.delimiter ?? ',');
  if (problem) throw new ConfigError(problem);
  const header = spec.header ?? true;
  if (Array.isArray(header)) {
    const names = header as readonly unknown[];
    const bad = names.length === 0 || names.some((n) => typeof n !== 'string' || n === '');
    if (bad || new Set(names).size !== names.length) {
      throw new ConfigError(
        `CSV header names must be a non-empty list of distinct, non-empty strings; got ${JSON.stringify(header)}. ` +
          'Pass header: true to read the names from the first line of each file.',
      );
    }
  } else if (typeof header !== 'boolean') {
    throw new ConfigError(
      `CSV header must be true, false or a list of column names; got ${JSON.stringify(header)}.`,
    );
  }
}

export const csvReader: InputReader<CsvInputSpec, CsvRecord> = {
  type: 'csv',
  split(spec, shards, ctx) {
    checkCsvSpec(spec);
    return splitFiles(spec, shards, ctx);
  },
  read: (spec, descriptor, env) => recordsOf(csvBatches(spec, descriptor, env.files)),
  readBatches: (spec, descriptor, env) => csvBatches(spec, descriptor, env.files),
};

async function* csvBatches(
  spec: CsvInputSpec,
  descriptor: unknown,
  files: InputFiles,
): AsyncGenerator<RecordBatch<CsvRecord>> {
  checkCsvSpec(spec);
  const delimiter = spec.delimiter ?? ',';
  const header = spec.header ?? true;
  const ranges = rangesOf(descriptor);
  for (const [r, range] of ranges.entries()) {
    const columns =
      header === true ? await readHeader(files, range, delimiter) : header === false ? undefined : header;
    for await (const batch of readRangeLines(files, range)) {
      const out = await parseLines<CsvRecord>(batch, {
        uri: range.uri,
        parse: (text) => {
          const row = toRecord(parseCsvLine(text, delimiter), columns, delimiter);
          return 'problem' in row ? row : { value: row.record };
        },
        placeholder: {},
        rest: (k) => restOfSplit(ranges, r, batch.rest(k)),
        // The header line is the file's first; a split starting mid-file never sees it.
        ...(header === true ? { skip: (k: number) => batch.offsets[k] === 0 } : {}),
      });
      if (out) yield out;
    }
  }
}

function toRecord(
  parsed: CsvParse,
  columns: readonly string[] | undefined,
  delimiter: string,
): { record: CsvRecord } | { problem: string } {
  if ('error' in parsed) return { problem: parsed.error };
  const { fields } = parsed;
  if (columns && fields.length !== columns.length) {
    return {
      problem: `expected ${columns.length} fields (${columns.join(', ')}) but found ${fields.length}; quote fields that contain ${JSON.stringify(delimiter)}`,
    };
  }
  const names = columns ?? fields.map((_, i) => `col${i + 1}`);
  // fromEntries defines own properties, so a column named "__proto__" stays a column.
  return { record: Object.fromEntries(names.map((name, i) => [name, fields[i]!])) };
}

/** The column names on the file's first line; a broken header fails the task (no row could be read). */
async function readHeader(
  files: InputFiles,
  range: FileRange,
  delimiter: string,
): Promise<readonly string[]> {
  // The file's first line, also when `range` resumes mid-file (a checkpoint; for gzip too).
  const first: FileRange = range.gzip
    ? { uri: range.uri, start: 0, end: range.end, size: range.size, gzip: true }
    : { uri: range.uri, start: 0, end: 0, size: range.size };
  for await (const batch of readRangeLines(files, first)) {
    const parsed = parseCsvLine(batch.texts[0]!, delimiter);
    const fail = (what: string): never => {
      throw new InputError(
        `${range.uri}:1: ${what}. The first line of a CSV file must name its columns; if the file has no header, pass header: false or header: ['name', ...].`,
        { file: range.uri, line: 1 },
      );
    };
    if ('error' in parsed) return fail(`the header line is not valid CSV (${parsed.error})`);
    const empty = parsed.fields.findIndex((f) => f.trim() === '');
    if (empty !== -1) return fail(`column ${empty + 1} of the header has no name`);
    const dup = parsed.fields.find((f, i) => parsed.fields.indexOf(f) !== i);
    if (dup !== undefined) return fail(`the header names the column ${JSON.stringify(dup)} twice`);
    return parsed.fields;
  }
  return noHeader(range.uri);
}

function noHeader(uri: string): never {
  throw new InputError(
    `${uri}:1: the file has no header line. Pass header: false or header: ['name', ...] for files without one.`,
    {
      file: uri,
    },
  );
}
