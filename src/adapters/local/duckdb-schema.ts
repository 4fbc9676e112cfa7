// Warehouse table schemas in DuckDB: BigQuery column types mapped to DuckDB types, table DDL, and the
// check that an existing table still has the columns a load asks for.
//
//   STRING → VARCHAR   INT64 → BIGINT   FLOAT64 → DOUBLE   BOOL → BOOLEAN   DATE → DATE
//   TIMESTAMP → TIMESTAMPTZ (an instant, like BigQuery's; sessions run in UTC)   JSON → JSON
//   mode REPEATED → a LIST of the type (T[]); REQUIRED → NOT NULL
// A table name is "table" or "dataset.table"; the dataset becomes a DuckDB schema.

import { ConfigError } from '../../core/errors.ts';
import { checkLoadRequest as checkSharedLoadRequest } from '../../ports/load-request.ts';
import type { Column, ColumnType, LoadRequest, TableSchema } from '../../ports/warehouse.ts';

const DUCK_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  DATE: 'DATE',
  JSON: 'JSON',
};

// information_schema spells some types differently from the DDL.
const CATALOG_NAMES: Record<string, string> = { TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE' };

const TABLE_PART = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

export interface TableName {
  schema: string;
  name: string;
  /** Quoted for SQL, e.g. "analytics"."counts". */
  sql: string;
  /** As the user wrote it, for messages. */
  shown: string;
}

export interface ExistingColumn {
  column_name: string;
  data_type: string;
  is_nullable: string;
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function duckType(column: Column): string {
  const base = DUCK_TYPES[column.type];
  return column.mode === 'REPEATED' ? `${base}[]` : base;
}

export function tableName(table: string): TableName {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => TABLE_PART.test(p))) {
    throw new ConfigError(
      `Table name ${JSON.stringify(table)} is not allowed; use "table" or "dataset.table" made of ` +
        'letters, digits, underscores and dashes.',
    );
  }
  const [schema, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['main', parts[0]!];
  return { schema, name, sql: `${quote(schema)}.${quote(name)}`, shown: table };
}

/** The shared check (src/ports/load-request.ts), naming the table as the local warehouse does. */
export function checkLoadRequest(request: LoadRequest, table: TableName): void {
  checkSharedLoadRequest(request, `table "${table.shown}"`);
}

export function createTableSql(table: TableName, schema: TableSchema): string {
  const columns = schema.columns.map(
    (c) =>
      `${quote(c.name)} ${duckType(c)}${c.mode === 'REQUIRED' || c.mode === 'REPEATED' ? ' NOT NULL' : ''}`,
  );
  return `CREATE TABLE ${table.sql} (${columns.join(', ')})`;
}

/** Throws a ConfigError listing how the existing table differs from the requested schema. */
export function compareColumns(
  existing: readonly ExistingColumn[],
  schema: TableSchema,
  table: TableName,
): void {
  const have = new Map(existing.map((c) => [c.column_name.toLowerCase(), c]));
  const problems: string[] = [];
  for (const column of schema.columns) {
    const found = have.get(column.name.toLowerCase());
    have.delete(column.name.toLowerCase());
    const want = duckType(column).replace(/^[A-Z]+/, (t) => CATALOG_NAMES[t] ?? t);
    if (!found) problems.push(`column "${column.name}" (${column.type}) is missing from the table`);
    else if (found.data_type !== want) {
      problems.push(
        `column "${column.name}" is ${found.data_type} in the table but ${want} (${column.type}) in the schema`,
      );
    } else if ((found.is_nullable === 'NO') !== (column.mode === 'REQUIRED' || column.mode === 'REPEATED')) {
      const mode = column.mode ?? 'NULLABLE';
      problems.push(
        `column "${column.name}" is ${mode} in the schema but ${found.is_nullable === 'NO' ? 'NOT NULL' : 'nullable'} in the table`,
      );
    }
  }
  for (const extra of have.values()) {
    problems.push(`the table has column "${extra.column_name}" (${extra.data_type}) that the schema lacks`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `Table "${table.shown}" exists with different columns: ${problems.join('; ')}. Make the job's output ` +
        'schema match the table, or drop the table (or load into a new one).',
    );
  }
}

/** The `columns={...}` argument of read_json that parses each field with its column type. */
export function readJsonColumns(schema: TableSchema): string {
  return `{${schema.columns.map((c) => `${literal(c.name)}: ${literal(duckType(c))}`).join(', ')}}`;
}

/** Select list from read_json into the table: a missing REPEATED field is an empty list, as in BigQuery. */
export function selectList(schema: TableSchema): string {
  return schema.columns
    .map((c) => (c.mode === 'REPEATED' ? `coalesce(${quote(c.name)}, []::${duckType(c)})` : quote(c.name)))
    .map((expr, i) => `${expr} AS ${quote(schema.columns[i]!.name)}`)
    .join(', ');
}
