// appengine-mapreduce's golden tests as jobs (its python/test/mapreduce/mapreduce_pipeline_test.py
// and combiner_test.py): 200 records "0".."199", each stored twice.

import { defineJob, input, output, type Values } from '../src/index.ts';

/** Record i of the 400 is the string of i % 200: "0".."199", each twice. */
const data = (i: number) => String(i % 200);

/** dedupe: map yields (data, ""); reduce writes the key with its values: 200 records of two "". */
export const dedupe = defineJob({
  name: 'dedupe',
  description:
    'appengine-mapreduce golden test: 200 records stored twice → 200 outputs, each key with its two values.',
  input: input.integers(400),
  shards: 16,
  map(i: number, emit: (key: string, value: string) => void) {
    emit(data(i), '');
  },
  async reduce(key: string, values: Values<string>, emit: (r: { key: string; values: string[] }) => void) {
    emit({ key, values: await values.toArray() });
  },
  outputs: { records: output.ndjson() },
});

/** combiner-sums: key int(data) % 4, value data; reduce sums → (0,9800) (1,9900) (2,10000) (3,10100). */
export function combinerSums(options: { combine: boolean; name?: string }) {
  const sumValues = (values: readonly string[]) => [String(values.reduce((a, v) => a + Number(v), 0))];
  return defineJob({
    name: options.name ?? 'combiner-sums',
    description: 'appengine-mapreduce golden test: sums of the records by int(data) % 4, with a combiner.',
    input: input.integers(400),
    shards: 4,
    map(i: number, emit: (key: string, value: string) => void) {
      emit(String(Number(data(i)) % 4), data(i));
    },
    ...(options.combine ? { combine: (_key: string, values: string[]) => sumValues(values) } : {}),
    async reduce(key: string, values: Values<string>, emit: (r: { key: string; sum: number }) => void) {
      let total = 0;
      for await (const v of values) total += Number(v);
      emit({ key, sum: total });
    },
    outputs: { sums: output.ndjson() },
  });
}

export const combinerSumsJob = combinerSums({ combine: true });
