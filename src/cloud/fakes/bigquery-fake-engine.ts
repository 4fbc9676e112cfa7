// The BigQuery fake's storage and execution: datasets and tables in an in-memory DuckDB (a dataset
// is a DuckDB schema), load jobs reading NDJSON from the GCS fake, and queries run by DuckDB after
// translating BigQuery's backtick identifiers.

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { GcsFakeStore } from './gcs-fake-store.ts';
import { JobError, partitionDay, readLoadRows, schemaMismatch } from './bigquery-fake-load.ts';
import { cellOf, duckColumnType, fieldOf, quoteIdent } from './bigquery-fake-values.ts';
import type { FieldSchema } from './bigquery-fake-values.ts';
import { HttpError } from './http-util.ts';

export interface TableMeta {
  projectId: string;
  datasetId: string;
  tableId: string;
  fields: FieldSchema[];
  timePartitioning?: { type: string; field?: string };
  created: number;
}

export interface LoadConfig {
  sourceUris?: string[];
  schema?: { fields?: FieldSchema[] };
  destinationTable: { projectId?: string; datasetId: string; tableId: string };
  writeDisposition?: string;
  createDisposition?: string;
  sourceFormat?: string;
  timePartitioning?: { type: string; field?: string };
  ignoreUnknownValues?: boolean;
}

export interface QueryResult {
  fields: FieldSchema[];
  rows: { f: { v: unknown }[] }[];
  affectedRows?: number;
}

export class BigQueryFakeEngine {
  readonly datasets = new Map<string, { location: string; created: number }>();
  readonly tables = new Map<string, TableMeta>();
  readonly #gcs: GcsFakeStore | undefined;
  #db: DuckDBConnection | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(gcs: GcsFakeStore | undefined) {
    this.#gcs = gcs;
  }

  async open(): Promise<void> {
    const instance = await DuckDBInstance.create(':memory:');
    this.#db = await instance.connect();
    await this.#db.run("SET TimeZone = 'UTC'");
  }

  close(): void {
    this.#db?.closeSync();
  }

  /** DuckDB work runs one statement group at a time, like one BigQuery job after another. */
  serial<T>(work: (db: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => work(this.#db!));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async createDataset(projectId: string, datasetId: string, location: string): Promise<void> {
    const id = `${projectId}.${datasetId}`;
    if (this.datasets.has(id))
      throw new HttpError(409, 'duplicate', `Already Exists: Dataset ${projectId}:${datasetId}`);
    await this.serial((db) => db.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(datasetId)}`));
    this.datasets.set(id, { location, created: Date.now() });
  }

  async deleteDataset(projectId: string, datasetId: string): Promise<void> {
    this.#dataset(projectId, datasetId);
    await this.serial((db) => db.run(`DROP SCHEMA IF EXISTS ${quoteIdent(datasetId)} CASCADE`));
    this.datasets.delete(`${projectId}.${datasetId}`);
    for (const key of [...this.tables.keys()])
      if (key.startsWith(`${projectId}.${datasetId}.`)) this.tables.delete(key);
  }

  table(projectId: string, datasetId: string, tableId: string): TableMeta | undefined {
    return this.tables.get(`${projectId}.${datasetId}.${tableId}`);
  }

  async createTable(meta: Omit<TableMeta, 'created'>): Promise<TableMeta> {
    this.#dataset(meta.projectId, meta.datasetId);
    if (this.table(meta.projectId, meta.datasetId, meta.tableId)) {
      throw new HttpError(
        409,
        'duplicate',
        `Already Exists: Table ${meta.projectId}:${meta.datasetId}.${meta.tableId}`,
      );
    }
    await this.serial((db) => db.run(createSql(meta)));
    const full = { ...meta, created: Date.now() };
    this.tables.set(`${meta.projectId}.${meta.datasetId}.${meta.tableId}`, full);
    return full;
  }

  async deleteTable(projectId: string, datasetId: string, tableId: string): Promise<void> {
    if (!this.table(projectId, datasetId, tableId))
      throw new HttpError(404, 'notFound', `Not found: Table ${projectId}:${datasetId}.${tableId}`);
    await this.serial((db) => db.run(`DROP TABLE ${quoteIdent(datasetId)}.${quoteIdent(tableId)}`));
    this.tables.delete(`${projectId}.${datasetId}.${tableId}`);
  }

  /** Runs a load job to completion; returns the rows written, or throws a JobError. */
  async load(projectId: string, config: LoadConfig): Promise<number> {
    const dest = config.destinationTable;
    const destProject = dest.projectId ?? projectId;
    const [tableId, decorator] = dest.tableId.split('$') as [string, string | undefined];
    const shown = `${destProject}:${dest.datasetId}.${tableId}`;
    if (!this.datasets.has(`${destProject}.${dest.datasetId}`))
      throw new JobError('notFound', `Not found: Dataset ${destProject}:${dest.datasetId}`);
    if ((config.sourceFormat ?? 'CSV') !== 'NEWLINE_DELIMITED_JSON') {
      throw new JobError(
        'invalid',
        `The BigQuery fake only loads NEWLINE_DELIMITED_JSON, not ${config.sourceFormat ?? 'CSV'}`,
      );
    }
    const disposition = config.writeDisposition ?? 'WRITE_APPEND';
    let table = this.table(destProject, dest.datasetId, tableId);
    const loadFields = config.schema?.fields;
    if (table && loadFields && !(disposition === 'WRITE_TRUNCATE' && !decorator)) {
      const mismatch = schemaMismatch(table.fields, loadFields);
      if (mismatch)
        throw new JobError('invalid', `Provided Schema does not match Table ${shown}. ${mismatch}`);
    }
    if (!table && config.createDisposition === 'CREATE_NEVER')
      throw new JobError('notFound', `Not found: Table ${shown}`);
    if (!loadFields && !table) throw new JobError('invalid', `No schema specified on job or table ${shown}.`);
    const fields = loadFields ?? table!.fields;
    const partitioning = config.timePartitioning ?? table?.timePartitioning;
    const inserts = readLoadRows(
      this.#gcs,
      config.sourceUris ?? [],
      fields,
      partitioning?.field,
      decorator,
      config.ignoreUnknownValues,
    );
    const target = `${quoteIdent(dest.datasetId)}.${quoteIdent(tableId)}`;
    const replaceTable = disposition === 'WRITE_TRUNCATE' && !decorator;
    await this.serial(async (db) => {
      await db.run('BEGIN TRANSACTION');
      try {
        if (!table || replaceTable) {
          await db.run(`DROP TABLE IF EXISTS ${target}`);
          await db.run(createSql({ datasetId: dest.datasetId, tableId, fields }));
        } else if (disposition === 'WRITE_TRUNCATE') {
          const day = partitionDay(decorator!);
          await db.run(
            `DELETE FROM ${target} WHERE CAST(${quoteIdent(partitioning!.field!)} AS DATE) = DATE '${day}'`,
          );
        } else if (disposition === 'WRITE_EMPTY') {
          const count = await db.runAndReadAll(`SELECT count(*) FROM ${target}`);
          if (Number(count.getRows()[0]![0]) > 0)
            throw new JobError('duplicate', `Table ${shown} is not empty.`);
        }
        for (let i = 0; i < inserts.length; i += 500) {
          await db.run(`INSERT INTO ${target} VALUES ${inserts.slice(i, i + 500).join(', ')}`);
        }
        await db.run('COMMIT');
      } catch (err) {
        await db.run('ROLLBACK');
        throw err;
      }
    });
    if (!table || replaceTable) {
      table = { projectId: destProject, datasetId: dest.datasetId, tableId, fields, created: Date.now() };
      if (partitioning) table.timePartitioning = partitioning;
      this.tables.set(`${destProject}.${dest.datasetId}.${tableId}`, table);
    }
    return inserts.length;
  }

  /**
   * Runs standard SQL; unqualified tables resolve in `defaultDataset`. A missing table or dataset
   * fails as BigQuery's does (notFound, naming `where`'s project and location); other errors are
   * DuckDB's own message (invalidQuery).
   */
  async query(
    sql: string,
    defaultDataset: string | undefined,
    int64Timestamps: boolean,
    where: { projectId: string; location: string },
  ): Promise<QueryResult> {
    const translated = translateSql(sql);
    if (defaultDataset !== undefined && !this.datasets.has(`${where.projectId}.${defaultDataset}`))
      throw new HttpError(
        404,
        'notFound',
        `Not found: Dataset ${where.projectId}:${defaultDataset} was not found in location ${where.location}`,
      );
    return this.serial(async (db) => {
      await db.run(`SET search_path = '${defaultDataset ? `${defaultDataset},main` : 'main'}'`);
      let reader;
      try {
        reader = await db.runAndReadAll(translated);
      } catch (err) {
        throw queryError((err as Error).message, translated, defaultDataset, where);
      }
      const fields = reader.columnNames().map((name, i) => fieldOf(name, reader.columnTypes()[i]!));
      const dml = /^\s*(DELETE|UPDATE|INSERT|MERGE)\b/i.test(sql);
      if (dml) return { fields: [], rows: [], affectedRows: Number(reader.getRows()[0]?.[0] ?? 0) };
      const rows = reader
        .getRows()
        .map((row) => ({ f: row.map((v, i) => cellOf(v, fields[i]!, int64Timestamps)) }));
      return { fields, rows };
    });
  }

  #dataset(projectId: string, datasetId: string): void {
    if (!this.datasets.has(`${projectId}.${datasetId}`))
      throw new HttpError(404, 'notFound', `Not found: Dataset ${projectId}:${datasetId}`);
  }
}

function createSql(meta: { datasetId: string; tableId: string; fields: FieldSchema[] }): string {
  const columns = meta.fields.map(
    (f) => `${quoteIdent(f.name)} ${duckColumnType(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
  );
  return `CREATE TABLE ${quoteIdent(meta.datasetId)}.${quoteIdent(meta.tableId)} (${columns.join(', ')})`;
}

/**
 * DuckDB's catalog errors as BigQuery words them: "Not found: Table p:d.t was not found in location
 * US", "Not found: Dataset p:d was not found in location US", and an unqualified table without a
 * default dataset "must be qualified with a dataset".
 */
function queryError(
  message: string,
  translated: string,
  defaultDataset: string | undefined,
  where: { projectId: string; location: string },
): HttpError {
  const { projectId, location } = where;
  const schema = /does not exist because schema "([^"]+)" does not exist/.exec(message);
  if (schema)
    return new HttpError(
      404,
      'notFound',
      `Not found: Dataset ${projectId}:${schema[1]} was not found in location ${location}`,
    );
  const table = /Table with name "?([^"\s]+?)"? does not exist/.exec(message)?.[1];
  if (table) {
    const name = table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const dataset =
      new RegExp(`"([^"]+)"\\.(?:"${name}"|${name}\\b)`).exec(translated)?.[1] ??
      new RegExp(`\\b([A-Za-z_][A-Za-z0-9_]*)\\.${name}\\b`).exec(translated)?.[1] ??
      defaultDataset;
    if (!dataset)
      return new HttpError(
        400,
        'invalid',
        `Table "${table}" must be qualified with a dataset (e.g. dataset.table).`,
      );
    return new HttpError(
      404,
      'notFound',
      `Not found: Table ${projectId}:${dataset}.${table} was not found in location ${location}`,
    );
  }
  return new HttpError(400, 'invalidQuery', message);
}

/** Backtick identifiers to DuckDB's: `project.dataset.table` and `dataset.table` → "dataset"."table". */
export function translateSql(sql: string): string {
  return sql.replace(/`([^`]+)`/g, (_, name: string) => {
    const parts = name.split('.');
    const kept = parts.length === 3 ? parts.slice(1) : parts;
    return kept.map(quoteIdent).join('.');
  });
}
