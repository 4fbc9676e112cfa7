// Query results from the BigQuery client, reduced to the plain values every Warehouse returns
// (the same shapes as the local DuckDB warehouse): INT64 → number when exact, else a decimal
// string; TIMESTAMP → ISO 8601 UTC ("….789Z", six fraction digits when there are microseconds);
// DATE, DATETIME, TIME → their text; REPEATED → arrays; RECORD → objects.

import { BigQueryDate, BigQueryDatetime, BigQueryTime, BigQueryTimestamp } from '@google-cloud/bigquery';
import type { Row } from '../../ports/warehouse.ts';

export const WRAP_INTEGERS = {
  integerTypeCastFunction: (value: string): number | string => {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  },
};

export function normalizeRow(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

function normalizeValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof BigQueryTimestamp) return isoTimestamp(value.value);
  if (value instanceof BigQueryDate || value instanceof BigQueryDatetime || value instanceof BigQueryTime) {
    return value.value;
  }
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (typeof value === 'object') {
    const constructorName = (value as object).constructor?.name;
    if (constructorName === 'Big') return Number(String(value));
    if (constructorName === 'Geography') return String((value as { value: unknown }).value);
    return normalizeRow(value as Row);
  }
  return value;
}

/** "2024-05-01T12:34:56.789123000Z" → "2024-05-01T12:34:56.789123Z"; whole millis keep three digits. */
export function isoTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) return new Date(text).toISOString();
  const digits = (m[2] ?? '').padEnd(9, '0');
  const micros = digits.slice(3, 6);
  return `${m[1]}.${digits.slice(0, 3)}${micros === '000' ? '' : micros}Z`;
}
