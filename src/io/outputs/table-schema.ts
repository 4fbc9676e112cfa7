// Table specs and rows: the checks that make a BigQuery load fail before it is submitted, with a
// message naming the output, column and value, rather than hours later as a load-job error. Rows are
// converted on the way (Dates to ISO strings) so the NDJSON parts load as they are.

import { ConfigError, NonRetryableError } from '../../core/errors.ts';
import { COLUMN_IDENTIFIER, COLUMN_TYPES } from '../../ports/load-request.ts';
import type { Column, ColumnType, TableSchema } from '../../ports/warehouse.ts';

const MODES = ['NULLABLE', 'REQUIRED', 'REPEATED'];
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

/** Throws ConfigError with every problem of a table name and schema at once; `where` starts the message. */
export function checkTableSchema(where: string, table: unknown, schema: TableSchema | undefined): void {
  const problems: string[] = [];
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    problems.push(
      `the table name ${JSON.stringify(table)} is not valid: use letters, digits and underscores, starting with a letter or underscore (at most 1024)`,
    );
  }
  problems.push(...schemaProblems(schema));
  if (problems.length > 0) throw new ConfigError(`${where}: ${problems.join('; ')}.`);
}

export function schemaProblems(schema: TableSchema | undefined): string[] {
  const columns = schema?.columns;
  if (!Array.isArray(columns) || columns.length === 0) {
    return ["the schema has no columns: give at least one, e.g. schema({ word: 'STRING', count: 'INT64' })"];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of columns as readonly Partial<Column>[]) {
    const name = column?.name;
    if (typeof name !== 'string' || !COLUMN_IDENTIFIER.test(name)) {
      problems.push(
        `the column name ${JSON.stringify(name)} is not valid: use letters, digits and underscores, starting with a letter or underscore (at most 300)`,
      );
      continue;
    }
    if (seen.has(name.toLowerCase()))
      problems.push(`the column "${name}" appears twice (column names are case-insensitive)`);
    seen.add(name.toLowerCase());
    if (!COLUMN_TYPES.includes(column.type as ColumnType)) {
      problems.push(
        `column "${name}" has type ${JSON.stringify(column.type)}; allowed types: ${COLUMN_TYPES.join(', ')}`,
      );
    }
    if (column.mode !== undefined && !MODES.includes(column.mode)) {
      problems.push(
        `column "${name}" has mode ${JSON.stringify(column.mode)}; allowed modes: ${MODES.join(', ')}`,
      );
    }
  }
  if (schema?.partitionBy !== undefined) {
    const by = (columns as readonly Column[]).find((c) => c.name === schema.partitionBy);
    if (!by || (by.type !== 'DATE' && by.type !== 'TIMESTAMP') || by.mode === 'REPEATED') {
      problems.push(
        `partitionBy must name a DATE or TIMESTAMP column of the schema; got ${JSON.stringify(schema.partitionBy)}`,
      );
    }
  }
  return problems;
}

type Converter = (value: unknown) => { ok: unknown } | { expected: string; fix: string };

const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DIGITS = /^-?\d{1,19}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const CONVERTERS: Record<ColumnType, Converter> = {
  STRING: (v) =>
    typeof v === 'string' ? { ok: v } : { expected: 'a string', fix: 'convert it with String(value)' },
  INT64: (v) => {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return { ok: v };
    if (typeof v === 'string' && DIGITS.test(v) && BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX)
      return { ok: v };
    return {
      expected: 'a whole number',
      fix: 'write a safe integer, or a string of digits for values beyond 2^53 (or make the column FLOAT64)',
    };
  },
  FLOAT64: (v) =>
    typeof v === 'number' && Number.isFinite(v)
      ? { ok: v }
      : { expected: 'a finite number', fix: 'write a number (NaN and Infinity cannot be stored)' },
  BOOL: (v) => (typeof v === 'boolean' ? { ok: v } : { expected: 'true or false', fix: 'write a boolean' }),
  TIMESTAMP: (v) => {
    const fix = 'write a Date or an ISO 8601 string such as "2026-11-21T10:00:00Z"';
    if (v instanceof Date)
      return Number.isNaN(v.getTime()) ? { expected: 'a valid Date', fix } : { ok: v.toISOString() };
    if (typeof v !== 'string' || !ISO_TIMESTAMP.test(v)) return { expected: 'a timestamp', fix };
    // Without a zone BigQuery reads UTC; so do we, instead of the machine's local time.
    const zoned = ZONE.test(v.slice(10)) ? v : ISO_DATE.test(v) ? `${v}T00:00:00Z` : `${v}Z`;
    const date = new Date(zoned.replace(' ', 'T'));
    return Number.isNaN(date.getTime()) ? { expected: 'a valid timestamp', fix } : { ok: date.toISOString() };
  },
  DATE: (v) => {
    const fix = 'write a "YYYY-MM-DD" string or a Date (its UTC day is stored)';
    if (v instanceof Date)
      return Number.isNaN(v.getTime())
        ? { expected: 'a valid Date', fix }
        : { ok: v.toISOString().slice(0, 10) };
    if (typeof v === 'string' && ISO_DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v))
      return { ok: v };
    return { expected: 'a date', fix };
  },
  JSON: (v) => ({ ok: v }),
};

/** A checker for one table output: converts a record to a row or throws NonRetryableError. */
export function rowChecker(
  output: string,
  table: string,
  schema: TableSchema,
): (record: unknown) => Record<string, unknown> {
  const columns = new Map(schema.columns.map((c) => [c.name, c]));
  const names = schema.columns.map((c) => c.name).join(', ');
  const where = `Output "${output}" (table ${table})`;
  return (record) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record) || record instanceof Date) {
      throw new NonRetryableError(
        `${where}: records must be objects with the columns ${names}; got ${describe(record)}. Emit an object such as { ${schema.columns[0]?.name}: ... }.`,
      );
    }
    const row: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(record)) {
      const column = columns.get(field);
      if (!column) {
        throw new NonRetryableError(
          `${where}: the record has a field "${field}" that the table has no column for (columns: ${names}). Add the column to the schema or leave the field out.`,
        );
      }
      if (value === undefined || value === null) continue;
      row[field] = convertValue(where, column, value);
    }
    for (const column of schema.columns) {
      if (column.mode === 'REQUIRED' && row[column.name] === undefined) {
        throw new NonRetryableError(
          `${where}: column "${column.name}" is REQUIRED but the record has no value for it (${describe((record as Record<string, unknown>)[column.name])}). Set it, or make the column NULLABLE.`,
        );
      }
    }
    return row;
  };
}

function convertValue(where: string, column: Column, value: unknown): unknown {
  const convert = CONVERTERS[column.type];
  const one = (v: unknown, what: string): unknown => {
    const result = convert(v);
    if ('ok' in result) return result.ok;
    throw new NonRetryableError(
      `${where}: column "${column.name}" is ${column.type} and needs ${result.expected}, but ${what} ${describe(v)}; ${result.fix}.`,
    );
  };
  if (column.mode !== 'REPEATED') return one(value, 'the record has');
  if (!Array.isArray(value)) {
    throw new NonRetryableError(
      `${where}: column "${column.name}" is REPEATED ${column.type} and needs an array, but the record has ${describe(value)}; wrap the value in [ ].`,
    );
  }
  return value.map((v, i) => {
    if (v === null || v === undefined) {
      throw new NonRetryableError(
        `${where}: column "${column.name}" is REPEATED and cannot hold null (element ${i}); drop the nulls from the array.`,
      );
    }
    return one(v, `element ${i} is`);
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return `${value} (a number)`;
  if (value instanceof Date)
    return `a Date (${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // BigInt, cycles
  }
  const text = json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  return `${text} (${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`})`;
}
