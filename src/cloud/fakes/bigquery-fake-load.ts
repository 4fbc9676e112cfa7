// Load jobs in the BigQuery fake: reading NDJSON sources from the GCS fake, checking each row
// against the schema and the partition decorator, and comparing a load's schema with the table's.

import type { GcsFakeStore } from './gcs-fake-store.ts';
import { canonicalType, sqlLiteral } from './bigquery-fake-values.ts';
import type { FieldSchema } from './bigquery-fake-values.ts';

/** A job failure as BigQuery reports it in status.errorResult. */
export class JobError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Reads every source and turns each NDJSON row into a VALUES tuple; any bad row fails the job. */
export function readLoadRows(
  gcs: GcsFakeStore | undefined,
  uris: string[],
  fields: FieldSchema[],
  partitionField: string | undefined,
  decorator: string | undefined,
  ignoreUnknown = false,
): string[] {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const day = decorator ? partitionDay(decorator) : undefined;
  const tuples: string[] = [];
  for (const uri of uris) {
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    const object = m && gcs?.buckets.get(m[1]!)?.get(m[2]!);
    if (!object) throw new JobError('notFound', `Not found: URI ${uri}`);
    const lines = object.data.toString('utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const where = `Error while reading data, error message: JSON parsing error in row starting at position ${index} of ${uri}:`;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new JobError('invalid', `${where} Parser terminated before end of string`);
      }
      for (const key of Object.keys(row)) {
        if (!byName.has(key.toLowerCase()) && !ignoreUnknown)
          throw new JobError('invalid', `${where} No such field: ${key}.`);
      }
      try {
        tuples.push(`(${fields.map((f) => sqlLiteral(f, row[f.name])).join(', ')})`);
      } catch (err) {
        throw new JobError('invalid', `${where} ${(err as Error).message}`);
      }
      if (day && partitionField) {
        const value = row[partitionField];
        const rowDay =
          typeof value === 'string'
            ? new Date(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
                .toISOString()
                .slice(0, 10)
            : undefined;
        if (rowDay !== day) {
          throw new JobError(
            'invalid',
            `${where} Some rows belong to different partitions rather than destination partition ${decorator}`,
          );
        }
      }
    });
  }
  return tuples;
}

export function partitionDay(decorator: string): string {
  if (!/^\d{8}$/.test(decorator))
    throw new JobError(
      'invalid',
      `The fake supports only day partition decorators $YYYYMMDD, not $${decorator}`,
    );
  return `${decorator.slice(0, 4)}-${decorator.slice(4, 6)}-${decorator.slice(6, 8)}`;
}

/** BigQuery's message for a load schema that differs from the table's, or undefined. */
export function schemaMismatch(table: FieldSchema[], load: FieldSchema[]): string | undefined {
  const existing = new Map(table.map((f) => [f.name.toLowerCase(), f]));
  for (const f of load) {
    const t = existing.get(f.name.toLowerCase());
    if (!t) return `Cannot add fields (field: ${f.name})`;
    if (canonicalType(t.type) !== canonicalType(f.type)) {
      return `Field ${f.name} has changed type from ${canonicalType(t.type)} to ${canonicalType(f.type)}`;
    }
    if ((t.mode ?? 'NULLABLE') !== (f.mode ?? 'NULLABLE')) {
      return `Field ${f.name} has changed mode from ${t.mode ?? 'NULLABLE'} to ${f.mode ?? 'NULLABLE'}`;
    }
  }
  return undefined;
}
