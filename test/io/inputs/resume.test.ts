// Resuming a split mid-way (a task's time budget): for every record, the reader's resume
// descriptor, after the JSON round trip through the task record, reads exactly the records after
// it, with the same positions. Checked for every built-in reader, with random files for the file
// readers (cuts mid-line, CRLF, blank and bad lines, gzip, tiny read chunks).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SqliteEntityStore } from '../../../src/adapters/local/sqlite-entity-store.ts';
import { FileBlobStore } from '../../../src/adapters/local/file-blob-store.ts';
import { fromStage } from '../../../src/core/job.ts';
import { readBatches } from '../../../src/io/batches.ts';
import { csvInput, csvReader } from '../../../src/io/inputs/csv.ts';
import { entitiesInput, entitiesReader } from '../../../src/io/inputs/entities.ts';
import { integersInput, generatedReader, randomStringsInput } from '../../../src/io/inputs/generated.ts';
import { ndjsonInput, ndjsonReader } from '../../../src/io/inputs/ndjson.ts';
import { stageReader } from '../../../src/io/inputs/stage.ts';
import { textInput, textReader } from '../../../src/io/inputs/text.ts';
import { textBlocksInput, textBlocksReader } from '../../../src/io/inputs/text-blocks.ts';
import type { InputReader, InputSpec, IoEnv } from '../../../src/io/types.ts';
import type { Entity } from '../../../src/ports/entity-store.ts';
import { gzip, MemoryInputFiles, splitContext, withTempDir } from '../helpers.ts';

interface Read {
  value: unknown;
  position: string;
  resume: unknown;
}

/** The split read the way a map task reads it (batches), with every record's resume descriptor. */
async function readAll<S extends InputSpec>(
  reader: InputReader<S>,
  spec: S,
  descriptor: unknown,
  env: IoEnv,
): Promise<Read[]> {
  const out: Read[] = [];
  for await (const batch of readBatches(reader, spec, descriptor, env)) {
    for (let i = 0; i < batch.values.length; i++) {
      const resume = batch.resumeAfter?.(i);
      // text-blocks reuses a block's memory for the next one: keep a copy.
      const value = copyBuffers(batch.values[i]);
      out.push({ value, position: await batch.position(i), resume });
    }
  }
  return out;
}

function copyBuffers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, Buffer.isBuffer(v) ? Buffer.from(v) : v]),
  );
}

const roundTrip = (descriptor: unknown): unknown => JSON.parse(JSON.stringify(descriptor)) as unknown;
const seen = ({ value, position }: Read) => ({ value, position });

/** Every split of `spec`: resuming after any record reads exactly the records that follow it. */
async function assertResumesAnywhere<S extends InputSpec>(
  reader: InputReader<S>,
  spec: S,
  shards: number,
  env: IoEnv,
): Promise<number> {
  let records = 0;
  for (const split of await reader.split(spec, shards, splitContext(env))) {
    const all = await readAll(reader, spec, roundTrip(split.descriptor), env);
    records += all.length;
    for (const [i, record] of all.entries()) {
      assert.notEqual(record.resume, undefined, `record ${i} of ${split.description} has no resume point`);
      const rest = await readAll(reader, spec, roundTrip(record.resume), env);
      assert.deepEqual(rest.map(seen), all.slice(i + 1).map(seen), `resumed after record ${i}`);
    }
  }
  return records;
}

const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '€', '😀'), maxLength: 6 });
const lineKinds = {
  'text-blocks': fc.string({ unit: fc.constantFrom('a', ' ', 'é', '😀'), maxLength: 10 }),
  text: fc.string({ unit: fc.constantFrom('a', ' ', 'é', '😀', '"', '{'), maxLength: 10 }),
  ndjson: fc.oneof(
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('', '  ', '{not json'),
  ),
  csv: fc.oneof(
    fc.tuple(cell, cell).map(([a, b]) => `${a},"${b}"`),
    fc.constantFrom('', 'only-one-field', 'x,"unterminated'),
  ),
};

function fileOf(lines: string[], crlf: boolean, finalNewline: boolean, header?: string): string {
  const all = header === undefined ? lines : [header, ...lines];
  const nl = crlf ? '\r\n' : '\n';
  return all.join(nl) + (finalNewline && all.length > 0 ? nl : '');
}

const fileReaders = [
  { name: 'text', reader: textReader, spec: (paths: string[]) => textInput(paths, { minSplitBytes: 1 }) },
  {
    name: 'text-blocks',
    reader: textBlocksReader,
    spec: (paths: string[]) => textBlocksInput(paths, { minSplitBytes: 1, blockBytes: 6 }),
  },
  {
    name: 'ndjson',
    reader: ndjsonReader,
    spec: (paths: string[]) => ndjsonInput(paths, { minSplitBytes: 1 }),
  },
  {
    name: 'csv',
    reader: csvReader,
    spec: (paths: string[]) => csvInput(paths, { minSplitBytes: 1 }),
    header: 'name,"note"',
  },
] as const;

describe('resuming a split after any record', () => {
  for (const { name, reader, spec, ...rest } of fileReaders) {
    const header = 'header' in rest ? rest.header : undefined;
    test(`${name}: the rest of a byte-range split, plain and gzip, cut anywhere`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              lines: fc.array(lineKinds[name], { maxLength: 12 }),
              crlf: fc.boolean(),
              finalNewline: fc.boolean(),
              gz: fc.boolean(),
            }),
            { minLength: 1, maxLength: 3 },
          ),
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 1, max: 9 }),
          async (files, shards, chunkBytes) => {
            const contents = Object.fromEntries(
              files.map((f, i) => {
                const text = fileOf(f.lines, f.crlf, f.finalNewline, header);
                return f.gz ? [`d/f${i}.txt.gz`, gzip(text)] : [`d/f${i}.txt`, text];
              }),
            );
            const memory = new MemoryInputFiles(contents, chunkBytes);
            const env = splitContext({ files: memory });
            await assertResumesAnywhere(reader as InputReader, spec(Object.keys(contents)), shards, env);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  test('csv: a split resumed mid-file still names its columns from the header line', async () => {
    const files = new MemoryInputFiles({ 'p.csv': 'id,name\n1,ann\n2,bob\n3,cy\n' });
    const env = splitContext({ files });
    const spec = csvInput(['p.csv']);
    const [split] = await csvReader.split(spec, 1, env);
    const all = await readAll(csvReader, spec, split!.descriptor, env);
    const rest = await readAll(csvReader, spec, roundTrip(all[0]!.resume), env);
    assert.deepEqual(rest.map(seen), [
      { value: { id: '2', name: 'bob' }, position: 'p.csv:3' },
      { value: { id: '3', name: 'cy' }, position: 'p.csv:4' },
    ]);
  });

  test('generated: integers and strings resume at the next index', async () => {
    const env = splitContext();
    assert.equal(await assertResumesAnywhere(generatedReader, integersInput(40), 3, env), 40);
    assert.equal(await assertResumesAnywhere(generatedReader, randomStringsInput(25), 2, env), 25);
  });

  test('entities: the rest of a key range starts after the last key, ids and names alike', async () => {
    const store = new SqliteEntityStore(':memory:');
    try {
      const entities: Entity[] = Array.from({ length: 30 }, (_, i) => ({
        key: i % 3 === 0 ? { kind: 'Tweet', name: `n${i}` } : { kind: 'Tweet', id: String(7 * i + 1) },
        properties: { lang: i % 2 === 0 ? 'en' : 'fr', i },
      }));
      await store.upsert(entities);
      const env = splitContext({ entities: store });
      assert.equal(await assertResumesAnywhere(entitiesReader, entitiesInput('Tweet'), 3, env), 30);
      const en = entitiesInput('Tweet', { filters: [{ property: 'lang', op: '=', value: 'en' }] });
      assert.equal(await assertResumesAnywhere(entitiesReader, en, 2, env), 15);
    } finally {
      store.close();
    }
  });

  test('entities: with an inequality filter (results not in key order) the reader offers no resume point', async () => {
    const store = new SqliteEntityStore(':memory:');
    try {
      await store.upsert([{ key: { kind: 'T', id: '1' }, properties: { n: 5 } }]);
      const spec = entitiesInput('T', { filters: [{ property: 'n', op: '>', value: 1 }] });
      const [record] = await readAll(entitiesReader, spec, {}, splitContext({ entities: store }));
      assert.equal(record!.resume, undefined);
    } finally {
      store.close();
    }
  });

  test('stage: the rest of a run of parts resumes at the next line, blank lines and all', async () => {
    await withTempDir(async (dir) => {
      const blobs = new FileBlobStore(dir);
      const parts: string[] = [];
      for (let p = 0; p < 4; p++) {
        const name = `tmp/r1/count/out/records/s0-reduce-0000${p}-a1-0000.ndjson`;
        const lines = Array.from({ length: p }, (_, i) => JSON.stringify({ p, i }));
        await blobs.put(name, lines.join('\n\n') + (p % 2 ? '\n' : ''));
        parts.push(name);
      }
      const env = splitContext({ blobs, stageOutputs: async () => parts });
      assert.equal(await assertResumesAnywhere(stageReader, fromStage('count'), 2, env), 6);
    });
  });
});
