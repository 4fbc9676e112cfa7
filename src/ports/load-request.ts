// Checks on a LoadRequest that every Warehouse applies the same way, by BigQuery's rules, before
// anything is written: the local warehouse must refuse what the cloud one would.

import { ConfigError } from '../core/errors.ts';
import type { ColumnType, LoadRequest } from './warehouse.ts';

export const COLUMN_TYPES: readonly ColumnType[] = [
  'STRING',
  'INT64',
  'FLOAT64',
  'BOOL',
  'TIMESTAMP',
  'DATE',
  'JSON',
];
/** A BigQuery column name: a letter or underscore, then letters, digits, underscores; at most 300. */
export const COLUMN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `shown` names the destination in messages, e.g. `table "events"`. */
export function checkLoadRequest(request: LoadRequest, shown: string): void {
  const where = `Load ${JSON.stringify(request.jobId)} into ${shown}`;
  const { columns, partitionBy } = request.schema;
  if (columns.length === 0)
    throw new ConfigError(`${where}: the schema has no columns; declare at least one.`);
  const seen = new Set<string>();
  for (const column of columns) {
    if (!COLUMN_IDENTIFIER.test(column.name)) {
      throw new ConfigError(
        `${where}: column name ${JSON.stringify(column.name)} is not allowed; use letters, digits and underscores, ` +
          'starting with a letter or underscore.',
      );
    }
    if (seen.has(column.name.toLowerCase())) {
      throw new ConfigError(`${where}: column "${column.name}" is declared twice (names ignore case).`);
    }
    seen.add(column.name.toLowerCase());
    if (!COLUMN_TYPES.includes(column.type)) {
      throw new ConfigError(
        `${where}: column "${column.name}" has type ${JSON.stringify(column.type)}; allowed: ${COLUMN_TYPES.join(', ')}.`,
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
