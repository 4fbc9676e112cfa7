// Converting between the two shapes a reader can produce: records one by one (simple, for custom
// readers) and batches (fast, for line-based readers).

import type { InputReader, InputRecord, InputSpec, IoEnv, RecordBatch } from './types.ts';

/** The records of `batches`, one by one: lets a batch reader implement `read`. */
export async function* recordsOf<R>(batches: AsyncIterable<RecordBatch<R>>): AsyncGenerator<InputRecord<R>> {
  for await (const batch of batches) {
    for (let i = 0; i < batch.values.length; i++) {
      const bad = batch.bad?.get(i);
      const record: InputRecord<R> = { value: batch.values[i]!, position: () => batch.position(i) };
      if (bad) record.bad = bad;
      if (batch.resumeAfter) record.resumeAfter = () => batch.resumeAfter!(i);
      yield record;
    }
  }
}

/** Batches of up to `size` records from a one-by-one reader. */
export async function* batchesOf<R>(
  records: AsyncIterable<InputRecord<R>>,
  size = 256,
): AsyncGenerator<RecordBatch<R>> {
  let values: R[] = [];
  let positions: InputRecord<R>['position'][] = [];
  let resumes: InputRecord<R>['resumeAfter'][] | undefined;
  let bad: Map<number, { error: Error; raw: string }> | undefined;
  const flush = (): RecordBatch<R> => {
    const p = positions;
    const r = resumes;
    const batch: RecordBatch<R> = { values, position: (i) => p[i]!() };
    if (bad) batch.bad = bad;
    if (r) batch.resumeAfter = (i) => r[i]?.();
    values = [];
    positions = [];
    resumes = undefined;
    bad = undefined;
    return batch;
  };
  for await (const record of records) {
    if (record.bad) (bad ??= new Map()).set(values.length, record.bad);
    // Kept only when the reader can resume at all, so plain readers pay nothing for it.
    if (record.resumeAfter) (resumes ??= [])[values.length] = record.resumeAfter;
    values.push(record.value);
    positions.push(record.position);
    if (values.length >= size) yield flush();
  }
  if (values.length > 0) yield flush();
}

/** The reader's batches: its own fast path, or its records grouped. */
export function readBatches<S extends InputSpec, R>(
  reader: InputReader<S, R>,
  spec: S,
  descriptor: unknown,
  env: IoEnv,
): AsyncIterable<RecordBatch<R>> {
  return reader.readBatches
    ? reader.readBatches(spec, descriptor, env)
    : batchesOf(reader.read(spec, descriptor, env));
}
