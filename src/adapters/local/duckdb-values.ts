// DuckDB result values → plain JS, the shapes a BigQuery query result has once decoded:
// BIGINT (and HUGEINT sums) → number when exactly representable, else a decimal string;
// timestamps → ISO 8601 UTC strings ("2024-05-01T12:00:00.000Z", 6 fraction digits when there
// are microseconds); DATE → "YYYY-MM-DD"; DECIMAL → number; LIST → array; STRUCT → object;
// JSON → its text; anything else → its DuckDB text form.

import type { DuckDBValue } from '@duckdb/node-api';
import { duckdb } from './duckdb-api.ts';

const {
  DuckDBArrayValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} = duckdb;

export function toPlain(value: DuckDBValue): unknown {
  if (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'string'
  ) {
    return value;
  }
  if (typeof value === 'bigint') return bigintToPlain(value);
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return value.isFinite ? isoFromMicros(value.micros) : value.toString();
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMicros(value.millis * 1000n);
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMicros(value.seconds * 1_000_000n);
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMicros(value.nanos / 1000n);
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toPlain);
  if (value instanceof DuckDBStructValue) {
    return Object.fromEntries(Object.entries(value.entries).map(([k, v]) => [k, toPlain(v)]));
  }
  if (value instanceof DuckDBMapValue)
    return value.entries.map((e) => ({ key: toPlain(e.key), value: toPlain(e.value) }));
  return value.toString();
}

function bigintToPlain(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function isoFromMicros(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const subMillis = Number(micros - millis * 1000n);
  const iso = new Date(Number(millis)).toISOString();
  return subMillis === 0 ? iso : `${iso.slice(0, -1)}${String(subMillis).padStart(3, '0')}Z`;
}
