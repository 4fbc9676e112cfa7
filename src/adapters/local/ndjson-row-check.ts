// Checks NDJSON load sources against a table schema before DuckDB reads them, so a bad row fails the
// whole load with a message naming the source, line and column. DuckDB's own reader would silently
// drop unknown fields and round 1.5 into an INT64; BigQuery rejects both, and so do we.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { NonRetryableError } from '../../core/errors.ts';
import type { Column, ColumnType, TableSchema } from '../../ports/warehouse.ts';

export interface Source {
  /** The object name from the LoadRequest. */
  name: string;
  path: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// The forms DuckDB's TIMESTAMPTZ parser and BigQuery both accept; no zone means UTC.
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(?: ?(?:Z|UTC|[+-]\d{2}(?::?\d{2})?))?$/;

const EXPECTED: Record<ColumnType, string> = {
  STRING: 'a string',
  INT64: 'an integer (or a decimal string of one) within 64 bits',
  FLOAT64: 'a number',
  BOOL: 'true or false',
  TIMESTAMP: 'a timestamp string such as "2024-05-01T12:00:00Z"',
  DATE: 'a date string YYYY-MM-DD',
  JSON: 'any JSON value',
};

/** Returns the number of rows; throws NonRetryableError at the first row that does not fit. */
export async function checkSources(
  sources: readonly Source[],
  schema: TableSchema,
  table: string,
): Promise<number> {
  const columns = new Map(schema.columns.map((c) => [c.name, c]));
  let rows = 0;
  for (const source of sources) {
    const lines = createInterface({ input: createReadStream(source.path), crlfDelay: Infinity });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === '') continue;
        const problem = rowProblem(line, columns);
        if (problem) {
          throw new NonRetryableError(
            `Cannot load table "${table}": source "${source.name}" line ${lineNumber}: ${problem}. ` +
              'Nothing was loaded; fix the rows the job writes or the table schema.',
          );
        }
        rows++;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NonRetryableError(
          `Cannot load table "${table}": source "${source.name}" not found (looked for ${source.path}). ` +
            'Load only objects named in committed task records.',
          { cause: err },
        );
      }
      throw err;
    } finally {
      lines.close();
    }
  }
  return rows;
}

function rowProblem(line: string, columns: ReadonlyMap<string, Column>): string | undefined {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (err) {
    return `the line is not valid JSON (${(err as Error).message})`;
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return 'the line is not a JSON object';
  for (const field of Object.keys(row)) {
    if (!columns.has(field)) {
      return `field "${field}" is not a column of the table (columns: ${[...columns.keys()].join(', ')})`;
    }
  }
  for (const column of columns.values()) {
    const value = (row as Record<string, unknown>)[column.name];
    const problem = valueProblem(value, column);
    if (problem) return `column "${column.name}" (${describeColumn(column)}) ${problem}`;
  }
  return undefined;
}

function valueProblem(value: unknown, column: Column): string | undefined {
  if (value === undefined || value === null) {
    return column.mode === 'REQUIRED' ? 'is REQUIRED but the row has no value' : undefined;
  }
  if (column.mode === 'REPEATED') {
    if (!Array.isArray(value)) return `got ${show(value)}; a REPEATED column takes a JSON array`;
    for (const [i, element] of value.entries()) {
      if (element === null) return `element ${i} is null; arrays cannot hold nulls`;
      if (!fits(element, column.type))
        return `element ${i} is ${show(element)}; expected ${EXPECTED[column.type]}`;
    }
    return undefined;
  }
  return fits(value, column.type) ? undefined : `got ${show(value)}; expected ${EXPECTED[column.type]}`;
}

function fits(value: unknown, type: ColumnType): boolean {
  switch (type) {
    case 'STRING':
      return typeof value === 'string';
    case 'INT64':
      return isInt64(value);
    case 'FLOAT64':
      return typeof value === 'number';
    case 'BOOL':
      return typeof value === 'boolean';
    case 'DATE':
      return typeof value === 'string' && isDay(value);
    case 'TIMESTAMP':
      return typeof value === 'string' && isTimestamp(value);
    case 'JSON':
      return true;
  }
}

function isInt64(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 2 ** 63;
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

function isDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m || !isDay(m[1]!)) return false;
  const [hours, minutes, seconds] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  return hours < 24 && minutes < 60 && seconds < 60;
}

function describeColumn(column: Column): string {
  return column.mode && column.mode !== 'NULLABLE' ? `${column.mode} ${column.type}` : column.type;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
