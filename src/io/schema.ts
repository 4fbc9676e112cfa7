// Table schemas the short way: schema({ word: 'STRING', count: 'INT64' }), with the long form
// { type, mode, description } where a column needs more. Column order is the object's key order.

import { ConfigError } from '../core/errors.ts';
import type { Column, ColumnType, TableSchema } from '../ports/warehouse.ts';
import { schemaProblems } from './outputs/table-schema.ts';

export type ColumnDef = ColumnType | { type: ColumnType; mode?: Column['mode']; description?: string };

export interface SchemaOptions {
  /** Day-partition the table on this DATE or TIMESTAMP column. */
  partitionBy?: string;
}

export function schema(columns: Record<string, ColumnDef>, options: SchemaOptions = {}): TableSchema {
  const result: TableSchema = {
    columns: Object.entries(columns).map(([name, def]): Column =>
      typeof def === 'string' ? { name, type: def } : { name, ...def },
    ),
    ...(options.partitionBy !== undefined ? { partitionBy: options.partitionBy } : {}),
  };
  const problems = schemaProblems(result);
  if (problems.length > 0) throw new ConfigError(`Table schema: ${problems.join('; ')}.`);
  return result;
}

/** A TableSchema as is, or the short form turned into one. */
export function toTableSchema(value: TableSchema | Record<string, ColumnDef>): TableSchema {
  return Array.isArray((value as TableSchema).columns)
    ? (value as TableSchema)
    : schema(value as Record<string, ColumnDef>);
}
