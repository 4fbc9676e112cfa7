// A warehouse table (BigQuery; DuckDB locally). Tasks check and convert every record against the
// schema and write NDJSON parts; finalize submits ONE load job for the whole output with a
// deterministic job id, so a redelivered finalize loads nothing twice (BigQuery allows 1,500 loads
// per table per day: one per destination per run).
//
// The parts are not deleted here: a later stage may read this output with fromStage, and the
// engine deletes tmp/<runId>/ when the run ends.

import { ConfigError } from '../../core/errors.ts';
import type { TableSchema } from '../../ports/warehouse.ts';
import type { FinalizeContext, OutputWriter } from '../types.ts';
import { NdjsonPartWriter } from './part-writer.ts';
import { checkTableSchema, rowChecker } from './table-schema.ts';

export interface TableOutputSpec {
  readonly type: 'table';
  readonly table: string;
  readonly schema: TableSchema;
  /** 'truncate' replaces the table (or, with `partition`, that day) atomically; 'append' adds rows. */
  readonly mode: 'append' | 'truncate';
  /** The day this run writes, for a table partitioned by `schema.partitionBy`: 'YYYY-MM-DD'. */
  readonly partition?: (params: Record<string, unknown>) => string;
}

export interface TableOutputOptions {
  mode: 'append' | 'truncate';
  partition?: (params: Record<string, unknown>) => string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function tableOutput(
  table: string,
  schema: TableSchema,
  options: TableOutputOptions,
): TableOutputSpec {
  const spec: TableOutputSpec = { type: 'table', table, schema, ...options };
  tableWriter.validate!(spec);
  return spec;
}

/** BigQuery job ids allow letters, digits, '_' and '-', up to 1024 characters. */
export function loadJobId(ctx: Pick<FinalizeContext, 'runId' | 'stageName' | 'outputName'>): string {
  return `${ctx.runId}-${ctx.stageName}-${ctx.outputName}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 1024);
}

export const tableWriter: OutputWriter<TableOutputSpec> = {
  type: 'table',
  validate(spec) {
    checkTableSchema(`Table output ${JSON.stringify(spec.table)}`, spec.table, spec.schema);
    if (spec.mode !== 'append' && spec.mode !== 'truncate') {
      throw new ConfigError(
        `Table output ${JSON.stringify(spec.table)}: mode must be 'append' or 'truncate'; got ${JSON.stringify(spec.mode)}. Truncate replaces the table's rows on every run; append adds to them.`,
      );
    }
    if (spec.partition !== undefined) {
      if (typeof spec.partition !== 'function') {
        throw new ConfigError(
          `Table output ${JSON.stringify(spec.table)}: partition must be a function (params) => 'YYYY-MM-DD'.`,
        );
      }
      if (spec.schema.partitionBy === undefined) {
        throw new ConfigError(
          `Table output ${JSON.stringify(spec.table)}: partition is set but the schema has no partitionBy column; add partitionBy: '<a DATE or TIMESTAMP column>' to the schema.`,
        );
      }
    }
  },
  open(spec, ctx) {
    checkTableSchema(`Output "${ctx.outputName}" (table ${spec.table})`, spec.table, spec.schema);
    const toRow = rowChecker(ctx.outputName, spec.table, spec.schema);
    const parts = new NdjsonPartWriter(ctx);
    return {
      write: (record) => parts.write(toRow(record)),
      close: () => parts.close(),
      abort: () => parts.abort(),
    };
  },
  async finalize(spec, ctx) {
    const rows = ctx.parts.reduce((sum, p) => sum + p.records, 0);
    const partition = spec.partition?.(ctx.params);
    if (partition !== undefined && (typeof partition !== 'string' || !DAY.test(partition))) {
      throw new ConfigError(
        `Output "${ctx.outputName}" (table ${spec.table}): partition(params) returned ${JSON.stringify(partition)}; it must return a day like '2026-11-21'.`,
      );
    }
    // Even with no rows the warehouse gets the load: an empty truncate must empty the table (or
    // day), and an empty append must still leave a table to query. An empty append only creates
    // the table; an empty truncate is deduplicated by jobId like any load.
    const result = await ctx.warehouse.load({
      jobId: loadJobId(ctx),
      table: spec.table,
      schema: spec.schema,
      sources: ctx.parts.map((p) => p.name),
      writeDisposition: spec.mode === 'truncate' ? 'WRITE_TRUNCATE' : 'WRITE_APPEND',
      ...(partition !== undefined ? { partition } : {}),
    });
    if (result.loaded && result.rows !== rows) {
      ctx.logger.warn(`table ${spec.table} loaded ${result.rows} rows but the committed parts hold ${rows}`, {
        jobId: loadJobId(ctx),
      });
    }
    return { target: spec.table, rows };
  },
};
