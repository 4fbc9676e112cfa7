// Values in the BigQuery fake: NDJSON load rows checked against a table schema and turned into
// DuckDB SQL literals, and DuckDB query results turned into the REST API's schema + f/v cells.

import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';

export interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  fields?: FieldSchema[];
}

/** Legacy and standard SQL spellings of a type, reduced to one. */
export function canonicalType(type: string): string {
  const t = type.toUpperCase();
  const aliases: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
  return aliases[t] ?? t;
}

const DUCK_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  DATE: 'DATE',
  JSON: 'JSON',
};

export function duckColumnType(field: FieldSchema): string {
  const base = DUCK_TYPES[canonicalType(field.type)];
  if (!base) throw new Error(`the BigQuery fake does not support column type ${field.type}`);
  return field.mode === 'REPEATED' ? `${base}[]` : base;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A load row's value as a SQL literal, or an error message as BigQuery words it. */
export function sqlLiteral(field: FieldSchema, value: unknown): string {
  if (field.mode === 'REPEATED') {
    if (value === null || value === undefined) return `[]::${duckColumnType(field)}`;
    if (!Array.isArray(value)) throw new Error(`Array specified for non-repeated field: ${field.name}.`);
    const items = value.map((v) => scalarLiteral(field, v));
    return `[${items.join(', ')}]::${duckColumnType(field)}`;
  }
  if (value === null || value === undefined) {
    if (field.mode === 'REQUIRED') throw new Error(`Missing required field: ${field.name}.`);
    return 'NULL';
  }
  return scalarLiteral(field, value);
}

function scalarLiteral(field: FieldSchema, value: unknown): string {
  const type = canonicalType(field.type);
  const bad = (): Error =>
    new Error(`Could not convert value '${JSON.stringify(value)}' to ${type} for field: ${field.name}.`);
  switch (type) {
    case 'STRING':
      if (typeof value === 'object' && value !== null) throw bad();
      return quoteText(String(value));
    case 'INT64': {
      const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : '') : String(value);
      if (!/^-?\d+$/.test(text) || BigInt(text) > 2n ** 63n - 1n || BigInt(text) < -(2n ** 63n)) throw bad();
      return `${text}::BIGINT`;
    }
    case 'FLOAT64': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw bad();
      return `${n}::DOUBLE`;
    }
    case 'BOOL':
      if (value === true || value === 'true') return 'TRUE';
      if (value === false || value === 'false') return 'FALSE';
      throw bad();
    case 'TIMESTAMP': {
      const millis =
        typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isFinite(millis)) throw bad();
      const micros = typeof value === 'string' ? microsOf(value, millis) : BigInt(Math.round(millis * 1000));
      return `make_timestamp(${micros}::BIGINT)::TIMESTAMPTZ`;
    }
    case 'DATE':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
        throw bad();
      return `DATE ${quoteText(value)}`;
    case 'JSON':
      return `${quoteText(JSON.stringify(value))}::JSON`;
    default:
      throw new Error(`Unsupported type ${field.type} for field: ${field.name}.`);
  }
}

/** Keeps microseconds that Date.parse drops ("…:56.789123Z"). */
function microsOf(text: string, millis: number): bigint {
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const extra = fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, '0')) : 0;
  return BigInt(millis) * 1000n + BigInt(millis >= 0 ? extra : -extra);
}

/** The REST schema field describing a DuckDB result column. */
export function fieldOf(name: string, type: DuckDBType): FieldSchema {
  if (type.typeId === DuckDBTypeId.LIST) {
    const inner = fieldOf(name, (type as unknown as { valueType: DuckDBType }).valueType);
    return { ...inner, mode: 'REPEATED' };
  }
  return { name, type: restType(type), mode: 'NULLABLE' };
}

function restType(type: DuckDBType): string {
  if (type.alias === 'JSON') return 'JSON';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'FLOAT';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'TIMESTAMP';
    case DuckDBTypeId.DATE:
      return 'DATE';
    default:
      return 'STRING';
  }
}

/** One REST cell: every scalar is a string; timestamps as int64 microseconds or float seconds. */
export function cellOf(value: DuckDBValue, field: FieldSchema, int64Timestamps: boolean): { v: unknown } {
  if (value === null) return { v: field.mode === 'REPEATED' ? [] : null };
  if (field.mode === 'REPEATED') {
    const items = (value as unknown as { items: DuckDBValue[] }).items;
    return { v: items.map((item) => cellOf(item, { ...field, mode: 'NULLABLE' }, int64Timestamps)) };
  }
  if (field.type === 'TIMESTAMP') {
    const micros = (value as unknown as { micros: bigint }).micros;
    if (int64Timestamps) return { v: String(micros) };
    return { v: String(Number(micros) / 1e6) };
  }
  if (typeof value === 'number' && field.type === 'FLOAT') return { v: String(value) };
  if (typeof value === 'boolean') return { v: value ? 'true' : 'false' };
  if (typeof value === 'bigint') return { v: value.toString() };
  return { v: typeof value === 'string' ? value : String(value) };
}
