// Warehouse table schemas as BigQuery REST schema fields, the checks BigQuery would make before a
// load, and the comparison of a load's schema with an existing table's.

import type { TableSchema } from '../../ports/warehouse.ts';

export interface RestField {
  name: string;
  type: string;
  mode?: string;
  description?: string;
}

/** BigQuery reports legacy names for some types in table metadata. */
const LEGACY: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };

export function toFields(schema: TableSchema): RestField[] {
  return schema.columns.map((c) => ({
    name: c.name,
    type: c.type,
    mode: c.mode ?? 'NULLABLE',
    ...(c.description ? { description: c.description } : {}),
  }));
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
