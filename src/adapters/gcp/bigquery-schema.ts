// Warehouse table schemas as BigQuery REST schema fields, the checks BigQuery would make before a
// load, and the comparison of a load's schema with an existing table's.

import { ConfigError } from '../../core/errors.ts';
import type { ColumnType, LoadRequest, TableSchema } from '../../ports/warehouse.ts';

export interface RestField {
  name: string;
  type: string;
  mode?: string;
  description?: string;
}

const TYPES: readonly ColumnType[] = ['STRING', 'INT64', 'FLOAT64', 'BOOL', 'TIMESTAMP', 'DATE', 'JSON'];
/** BigQuery reports legacy names for some types in table metadata. */
const LEGACY: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function toFields(schema: TableSchema): RestField[] {
  return schema.columns.map((c) => ({
    name: c.name,
    type: c.type,
    mode: c.mode ?? 'NULLABLE',
    ...(c.description ? { description: c.description } : {}),
  }));
}

/** Rejects requests BigQuery would reject, before any job is submitted. */
export function checkLoadRequest(request: LoadRequest, shown: string): void {
  const where = `Load ${JSON.stringify(request.jobId)} into ${shown}`;
  const { columns, partitionBy } = request.schema;
  if (columns.length === 0)
    throw new ConfigError(`${where}: the schema has no columns; declare at least one.`);
  const seen = new Set<string>();
  for (const column of columns) {
    if (!IDENTIFIER.test(column.name)) {
      throw new ConfigError(
        `${where}: column name ${JSON.stringify(column.name)} is not allowed; use letters, digits and underscores, ` +
          'starting with a letter or underscore.',
      );
    }
    if (seen.has(column.name.toLowerCase())) {
      throw new ConfigError(`${where}: column "${column.name}" is declared twice (names ignore case).`);
    }
    seen.add(column.name.toLowerCase());
    if (!TYPES.includes(column.type)) {
      throw new ConfigError(
        `${where}: column "${column.name}" has type ${JSON.stringify(column.type)}; allowed: ${TYPES.join(', ')}.`,
      );
    }
  }
  if (request.writeDisposition !== 'WRITE_APPEND' && request.writeDisposition !== 'WRITE_TRUNCATE') {
    throw new ConfigError(
      `${where}: writeDisposition ${JSON.stringify(request.writeDisposition)} must be WRITE_APPEND or WRITE_TRUNCATE.`,
    );
  }
  if (partitionBy !== undefined) {
    const column = columns.find((c) => c.name === partitionBy);
    if (!column || (column.type !== 'DATE' && column.type !== 'TIMESTAMP') || column.mode === 'REPEATED') {
      throw new ConfigError(
        `${where}: partitionBy "${partitionBy}" must name a DATE or TIMESTAMP column of the schema that is not REPEATED.`,
      );
    }
  }
  if (request.partition !== undefined) {
    if (partitionBy === undefined) {
      throw new ConfigError(
        `${where}: partition "${request.partition}" was given but the schema has no partitionBy; declare partitionBy or drop partition.`,
      );
    }
    if (!DAY.test(request.partition) || Number.isNaN(Date.parse(`${request.partition}T00:00:00Z`))) {
      throw new ConfigError(
        `${where}: partition ${JSON.stringify(request.partition)} must be a day, YYYY-MM-DD.`,
      );
    }
  }
}

/** How an existing table's fields differ from the load's schema, naming the column; or undefined. */
export function schemaDifference(existing: readonly RestField[], schema: TableSchema): string | undefined {
  const byName = new Map(existing.map((f) => [f.name.toLowerCase(), f]));
  for (const column of schema.columns) {
    const field = byName.get(column.name.toLowerCase());
    if (!field) return `column "${column.name}" does not exist in the table`;
    const type = LEGACY[field.type.toUpperCase()] ?? field.type.toUpperCase();
    if (type !== column.type)
      return `column "${column.name}" is ${type} in the table but ${column.type} in the load`;
    const mode = field.mode ?? 'NULLABLE';
    const wanted = column.mode ?? 'NULLABLE';
    if (mode !== wanted) return `column "${column.name}" is ${mode} in the table but ${wanted} in the load`;
    byName.delete(column.name.toLowerCase());
  }
  const extra = [...byName.values()].find((f) => f.mode === 'REQUIRED');
  if (extra) return `column "${extra.name}" is REQUIRED in the table but missing from the load`;
  return undefined;
}
