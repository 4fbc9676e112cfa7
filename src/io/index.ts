// What a job author imports for inputs and outputs: `input.*` and `output.*` build plain specs,
// `schema` builds table schemas, and the registry takes custom readers and writers.

import type { TableSchema } from '../ports/warehouse.ts';
import { csvInput } from './inputs/csv.ts';
import { entitiesInput } from './inputs/entities.ts';
import { integersInput, randomStringsInput } from './inputs/generated.ts';
import { ndjsonInput } from './inputs/ndjson.ts';
import { textInput } from './inputs/text.ts';
import { textBlocksInput } from './inputs/text-blocks.ts';
import { entitiesOutput } from './outputs/entities.ts';
import { ndjsonOutput } from './outputs/ndjson.ts';
import { tableOutput, type TableOutputOptions, type TableOutputSpec } from './outputs/table.ts';
import { toTableSchema, type ColumnDef } from './schema.ts';

export const input = {
  /** Lines of text files (paths or globs; default: --input). Records: { file, offset, text }. */
  text: textInput,
  /**
   * The same files as blocks of whole lines, undecoded (default ≥ 1 MiB each), for map functions
   * that scan bytes themselves. Records: { file, offset, bytes }.
   */
  textBlocks: textBlocksInput,
  /** One JSON value per line. */
  ndjson: ndjsonInput,
  /** Rows as { column: string } objects; header from each file's first line unless told otherwise. */
  csv: csvInput,
  /** The numbers 0..count-1. */
  integers: integersInput,
  /** `count` deterministic pseudo-random lowercase strings. */
  randomStrings: randomStringsInput,
  /** Datastore entities of one kind, split by key ranges. */
  entities: entitiesInput,
};

export const output = {
  /** A warehouse table, loaded once per run in finalize. */
  table: (
    table: string,
    tableSchema: TableSchema | Record<string, ColumnDef>,
    options: TableOutputOptions,
  ): TableOutputSpec => tableOutput(table, toTableSchema(tableSchema), options),
  /** NDJSON files under results/<job>/<runId>/<output>/. */
  ndjson: ndjsonOutput,
  /** Keyed Datastore upserts ({ key, properties }) and deletes ({ delete: key }). */
  entities: entitiesOutput,
};

export { schema, type ColumnDef, type SchemaOptions } from './schema.ts';
export {
  getInputReader,
  getOutputWriter,
  knownTypes,
  registerInputReader,
  registerOutputWriter,
} from './registry.ts';
export type { CsvInputSpec, CsvOptions, CsvRecord } from './inputs/csv.ts';
export type { EntityInputOptions, EntityInputSpec } from './inputs/entities.ts';
export type { FileInputOptions } from './inputs/file-splits.ts';
export type { GeneratedInputSpec, RandomStringOptions } from './inputs/generated.ts';
export type { NdjsonInputSpec } from './inputs/ndjson.ts';
export type { TextInputSpec, TextLine } from './inputs/text.ts';
export type { TextBlock, TextBlocksInputSpec, TextBlocksOptions } from './inputs/text-blocks.ts';
export type { EntityMutation, EntityOutputSpec } from './outputs/entities.ts';
export type { NdjsonOutputSpec } from './outputs/ndjson.ts';
export type { TableOutputOptions, TableOutputSpec } from './outputs/table.ts';
export type * from './types.ts';
