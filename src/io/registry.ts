// Input readers and output writers by spec type. The built-ins are registered here; a job module
// may register its own (registerInputReader) at import time, which also happens in every worker
// thread and cloud function that loads the job, so all of them see the same set.

import { ConfigError } from '../core/errors.ts';
import type { InputReader, InputSpec, OutputSpec, OutputWriter } from './types.ts';
import { csvReader } from './inputs/csv.ts';
import { entitiesReader } from './inputs/entities.ts';
import { generatedReader } from './inputs/generated.ts';
import { ndjsonReader } from './inputs/ndjson.ts';
import { stageReader } from './inputs/stage.ts';
import { textReader } from './inputs/text.ts';
import { textBlocksReader } from './inputs/text-blocks.ts';
import { entitiesWriter } from './outputs/entities.ts';
import { ndjsonWriter } from './outputs/ndjson.ts';
import { partsWriter } from './outputs/parts.ts';
import { tableWriter } from './outputs/table.ts';

type AnyReader = InputReader<InputSpec, unknown>;
type AnyWriter = OutputWriter<OutputSpec>;

const readers = new Map<string, AnyReader>();
const writers = new Map<string, AnyWriter>();

for (const reader of [
  textReader,
  textBlocksReader,
  ndjsonReader,
  csvReader,
  generatedReader,
  entitiesReader,
  stageReader,
]) {
  readers.set(reader.type, reader as unknown as AnyReader);
}
for (const writer of [tableWriter, ndjsonWriter, entitiesWriter, partsWriter]) {
  writers.set(writer.type, writer as unknown as AnyWriter);
}

export function getInputReader(type: string): AnyReader {
  const reader = readers.get(type);
  if (!reader) {
    throw new ConfigError(
      `Unknown input type ${JSON.stringify(type)}; known input types: ${[...readers.keys()].join(', ')}. ` +
        'Use a factory such as input.text(), or register a custom reader with registerInputReader().',
    );
  }
  return reader;
}

export function getOutputWriter(type: string): AnyWriter {
  const writer = writers.get(type);
  if (!writer) {
    throw new ConfigError(
      `Unknown output type ${JSON.stringify(type)}; known output types: ${[...writers.keys()].join(', ')}. ` +
        'Use a factory such as output.table(), or register a custom writer with registerOutputWriter().',
    );
  }
  return writer;
}

/** Adds a reader for a new spec type. Registering the same reader again is harmless (modules may load twice). */
export function registerInputReader<S extends InputSpec, R>(reader: InputReader<S, R>): void {
  register(readers, reader as unknown as AnyReader, 'input', 'reader');
}

/** Adds a writer for a new spec type. Registering the same writer again is harmless. */
export function registerOutputWriter<S extends OutputSpec>(writer: OutputWriter<S>): void {
  register(writers, writer as unknown as AnyWriter, 'output', 'writer');
}

function register<T extends { readonly type: string }>(
  map: Map<string, T>,
  item: T,
  what: string,
  noun: string,
): void {
  if (typeof item?.type !== 'string' || item.type === '') {
    throw new ConfigError(`An ${what} ${noun} needs a non-empty string "type" (the spec type it handles).`);
  }
  const existing = map.get(item.type);
  if (existing === item) return;
  if (existing) {
    throw new ConfigError(
      `An ${what} ${noun} for type "${item.type}" is registered already; pick another type name for yours (built-in and registered: ${[...map.keys()].join(', ')}).`,
    );
  }
  map.set(item.type, item);
}

/** The registered types, for help texts. */
export function knownTypes(): { inputs: string[]; outputs: string[] } {
  return { inputs: [...readers.keys()], outputs: [...writers.keys()] };
}
