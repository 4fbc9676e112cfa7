// Request bodies and files as records: a JSON array, NDJSON (one object a line) or CSV (header
// line, then rows). Lines that do not parse are reported with their line number, like records
// that fail their kind's checks.

import { stripByteOrderMark } from '../io/inputs/byte-order-mark.ts';
import { parseCsvLine } from '../io/inputs/csv-line.ts';

export type Format = 'json' | 'ndjson' | 'csv';

export interface ParsedRecord {
  /** 1-based: the line (NDJSON, CSV) or the array element (JSON). */
  line: number;
  value?: unknown;
  /** Why the line could not be read as a record. */
  problem?: string;
}

export interface Parsed {
  records: ParsedRecord[];
  /** CSV cells are all strings: the kind's conversion parses them. */
  fromText: boolean;
  /** CSV: the header's column names, so they are checked against the kind once, not per row. */
  columns?: string[];
}

/** The format of a file or object name, or undefined when the extension says nothing. */
export function formatOfName(name: string): Format | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

export function parseRecords(file: string, format: Format): Parsed {
  // A byte order mark would otherwise become part of the first column's name or the first record.
  const text = stripByteOrderMark(file);
  if (format === 'csv') return { ...parseCsv(text), fromText: true };
  if (format === 'json') return { records: parseJsonArray(text), fromText: false };
  return { records: parseNdjson(text), fromText: false };
}

function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

function parseNdjson(text: string): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (const [i, line] of lines(text).entries()) {
    if (line.trim() === '') continue;
    try {
      out.push({ line: i + 1, value: parseJson(line) });
    } catch (err) {
      out.push({ line: i + 1, problem: `not valid JSON (${(err as Error).message})` });
    }
  }
  return out;
}

function parseJsonArray(text: string): ParsedRecord[] {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    return [{ line: 1, problem: `the body is not valid JSON (${(err as Error).message})` }];
  }
  if (!Array.isArray(value)) return [{ line: 1, problem: 'the JSON body must be an array of records' }];
  return value.map((v: unknown, i) => ({ line: i + 1, value: v }));
}

function parseCsv(text: string): { records: ParsedRecord[]; columns?: string[] } {
  const all = lines(text);
  const headerIndex = all.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) return { records: [] };
  const header = parseCsvLine(all[headerIndex]!, ',');
  if ('error' in header)
    return { records: [{ line: headerIndex + 1, problem: `bad CSV header: ${header.error}` }] };
  const columns = header.fields;
  const out: ParsedRecord[] = [];
  for (let i = headerIndex + 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    const row = parseCsvLine(line, ',');
    if ('error' in row) out.push({ line: i + 1, problem: `bad CSV: ${row.error}` });
    else if (row.fields.length !== columns.length)
      out.push({
        line: i + 1,
        problem: `expected ${columns.length} fields (${columns.join(', ')}) but found ${row.fields.length}`,
      });
    else out.push({ line: i + 1, value: Object.fromEntries(columns.map((c, k) => [c, row.fields[k]!])) });
  }
  return { records: out, columns };
}

/**
 * JSON.parse, except that an integer literal beyond 2^53 (a tweet id sent as a number) becomes a
 * bigint with the exact digits instead of a silently rounded double.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  );
}
