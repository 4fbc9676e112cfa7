import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { encodeKey } from '../../../src/core/keys.ts';
import { DECODE_BATCH_BYTES, RecordDecoder, decodeRecords } from '../../../src/core/shuffle/decoder.ts';
import { ObjectEncoder, RecordWriter, encodeObject } from '../../../src/core/shuffle/encoder.ts';
import {
  HEADER_MAGIC,
  TRAILER_BYTES,
  checkHeader,
  encodeFooter,
  footerBytes,
  readFooter,
} from '../../../src/core/shuffle/format.ts';
import type { ShuffleRecord } from '../../../src/core/shuffle/format.ts';
import { chunked } from './helpers.ts';

const key = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.tuple(fc.string({ maxLength: 5 }), fc.integer()),
  )
  .map((k) => encodeKey(k));
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  // Around the one-byte varint limit, multi-byte UTF-8, and values longer than a chunk.
  fc
    .string({ unit: fc.constantFrom('a', 'é', '😀', '"'), minLength: 40, maxLength: 600 })
    .map((s) => JSON.stringify(s)),
);
const record = fc.tuple(key, value).map(([k, v]) => ({ key: k, value: v }));
const sortedPartition = fc
  .array(record, { maxLength: 30 })
  .map((rs) => rs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));

async function decodeAll(source: AsyncIterable<Buffer>): Promise<ShuffleRecord[]> {
  const out: ShuffleRecord[] = [];
  for await (const batch of decodeRecords(source)) out.push(...batch);
  return out;
}

describe('shuffle object format', () => {
  test('records survive encode and decode with any chunking, and the index locates each partition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sortedPartition, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 16, max: 4096 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (partitions, chunkBytes, cutSeeds) => {
          const encoder = new ObjectEncoder(partitions.length, chunkBytes);
          const chunks: Buffer[] = [];
          partitions.forEach((records, p) => {
            for (const r of records) {
              encoder.add(p, r.key, r.value);
              chunks.push(...encoder.take());
            }
          });
          chunks.push(...encoder.end());
          for (const c of chunks.slice(0, -1)) assert.ok(c.length <= Math.max(chunkBytes, 2000));
          const object = Buffer.concat(chunks);

          checkHeader(object);
          assert.deepEqual(readFooter(object), { version: 1, partitions: encoder.index });
          for (const [p, records] of partitions.entries()) {
            const range = encoder.index[p]!;
            assert.equal(range.records, records.length);
            const bytes = object.subarray(range.offset, range.offset + range.length);
            const cuts = cutSeeds.map((s) => s % (bytes.length + 1));
            assert.deepEqual(await decodeAll(chunked(bytes, cuts)), records);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('decoding one byte at a time yields the same records', async () => {
    const records = [
      { key: encodeKey('a'), value: '1' },
      { key: encodeKey(['b', 2]), value: JSON.stringify('x'.repeat(300)) },
      { key: encodeKey('c😀'), value: JSON.stringify({ v: 'é'.repeat(70) }) },
    ];
    const { object, index } = encodeObject([records]);
    const bytes = object.subarray(index[0]!.offset, index[0]!.offset + index[0]!.length);
    const cuts = Array.from({ length: bytes.length }, (_, i) => i);
    assert.deepEqual(await decodeAll(chunked(bytes, cuts)), records);
  });

  test('a chunk decodes to one batch, so consumers await per chunk, not per record', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ key: encodeKey(`k${i}`), value: String(i) }));
    const writer = new RecordWriter();
    for (const r of records) writer.add(r.key, r.value);
    const bytes = Buffer.concat(writer.end());
    const decoder = new RecordDecoder();
    const first = decoder.push(bytes.subarray(0, 500));
    const second = decoder.push(bytes.subarray(500));
    decoder.end();
    assert.ok(first.length > 10 && second.length > 10);
    assert.deepEqual([...first, ...second], records);
  });

  test('a large read decodes in batches of at most DECODE_BATCH_BYTES, whether chunks are views or copies', async () => {
    // Records straddle the batch boundaries, and one value is longer than several batches.
    const records = Array.from({ length: 3000 }, (_, i) => ({
      key: encodeKey(`key-${String(i).padStart(5, '0')}`),
      value:
        i === 1234 ? JSON.stringify('é'.repeat(3 * DECODE_BATCH_BYTES)) : JSON.stringify('v'.repeat(i % 97)),
    }));
    const writer = new RecordWriter();
    for (const r of records) writer.add(r.key, r.value);
    const bytes = Buffer.concat(writer.end());
    assert.ok(bytes.length > 20 * DECODE_BATCH_BYTES);
    const cuts = [5 * DECODE_BATCH_BYTES + 3, 9 * DECODE_BATCH_BYTES - 1, 9 * DECODE_BATCH_BYTES + 17];
    async function* copies(): AsyncGenerator<Buffer> {
      for await (const chunk of chunked(bytes, cuts)) yield Buffer.from(chunk); // separate allocations
    }
    for (const source of [chunked(bytes), chunked(bytes, cuts), copies()]) {
      const batches: ShuffleRecord[][] = [];
      for await (const batch of decodeRecords(source)) batches.push(batch);
      assert.deepEqual(batches.flat(), records);
      // Small batches: no batch but the one holding the long value spans more than two slices' records.
      const widest = Math.max(
        ...batches.map((b) => b.reduce((n, r) => n + r.key.length + r.value.length + 2, 0)),
      );
      assert.ok(widest < 4 * DECODE_BATCH_BYTES * 3, `widest batch ${widest} bytes`);
      assert.ok(
        batches.length >= Math.floor(bytes.length / DECODE_BATCH_BYTES) - 4,
        `${batches.length} batches`,
      );
    }
  });

  test('short values decode exactly as UTF-8 text, whether their bytes are ASCII or not', () => {
    // Values of up to 3 bytes (small counts) are decoded in JS; anything else, or any byte from
    // 0x80 up (a UTF-8 sequence, or damage), by Buffer's UTF-8 decoding, which the result must equal.
    const values = [[], [0x31], [0x31, 0x37], [0x22, 0x61, 0x22], [0x31, 0x30, 0x30, 0x30]].concat([
      [0xc3, 0xa9],
      [0x31, 0xc3, 0xa9],
      [0xff],
      [0x31, 0xff],
      [0x80, 0x31, 0x32],
      [0xe2, 0x82, 0xac],
    ]);
    const k = Buffer.from(encodeKey('k'), 'latin1');
    const bytes = Buffer.concat(values.map((v) => Buffer.from([k.length, ...k, v.length, ...v])));
    const decoder = new RecordDecoder();
    const records = decoder.push(bytes);
    decoder.end();
    assert.deepEqual(
      records.map((r) => r.value),
      values.map((v) => Buffer.from(v).toString('utf8')),
    );
  });

  test('plain Uint8Array chunks decode like Buffers', () => {
    const writer = new RecordWriter();
    writer.add(encodeKey('k'), '"v"');
    const bytes = Buffer.concat(writer.end());
    const decoder = new RecordDecoder();
    const records = [
      ...decoder.push(new Uint8Array(bytes.subarray(0, 3))),
      ...decoder.push(new Uint8Array(bytes.subarray(3))),
    ];
    decoder.end();
    assert.deepEqual(records, [{ key: encodeKey('k'), value: '"v"' }]);
  });

  test('an object with no records still has a header, empty partitions and a footer', () => {
    const { object, index } = encodeObject([[], [], []]);
    assert.deepEqual(index, [
      { offset: 8, length: 0, records: 0 },
      { offset: 8, length: 0, records: 0 },
      { offset: 8, length: 0, records: 0 },
    ]);
    assert.deepEqual(object.subarray(0, 8), HEADER_MAGIC);
    assert.deepEqual(readFooter(object).partitions, index);
  });

  test('readFooter works on just the tail, and footerBytes says how much tail it needs', () => {
    const { object, index } = encodeObject([[{ key: encodeKey('a'), value: '1' }], []]);
    const need = footerBytes(object.subarray(-TRAILER_BYTES));
    assert.equal(need, encodeFooter(index).length);
    assert.deepEqual(readFooter(object.subarray(-need)).partitions, index);
    assert.throws(
      () => readFooter(object.subarray(-(need - 1))),
      new RegExp(
        `^Error: Shuffle object footer needs the last ${need} bytes of the object but only ${need - 1} were given; read the last ${need} bytes and try again\\.$`,
      ),
    );
  });

  test('records must be added in partition order', () => {
    const encoder = new ObjectEncoder(3);
    encoder.add(1, encodeKey('a'), '1');
    assert.throws(
      () => encoder.add(0, encodeKey('b'), '1'),
      /^Error: Shuffle records must be added in partition order 0\.\.2 before end\(\); got partition 0 while writing partition 1\.$/,
    );
  });
});

describe('corrupt shuffle data', () => {
  const { object, index } = encodeObject([
    [
      { key: encodeKey('apple'), value: '"red"' },
      { key: encodeKey('pear'), value: '7' },
    ],
  ]);
  const partition = object.subarray(index[0]!.offset, index[0]!.offset + index[0]!.length);

  test('a partition cut short names the leftover bytes', async () => {
    await assert.rejects(
      decodeAll(chunked(partition.subarray(0, partition.length - 2))),
      /^Error: Truncated shuffle data: the partition ends with \d+ bytes that are not a whole record \(at byte 14\)\. The object is damaged or the byte range is too short\.$/,
    );
  });

  test('a wrong byte range is caught by the key tag check', async () => {
    await assert.rejects(
      decodeAll(chunked(partition.subarray(1))),
      /^Error: Corrupt shuffle data at byte 0 of the partition: a record key must start with a key tag \(2, 3 or 4\); got byte \d+\./,
    );
  });

  test('an endless varint is reported as corrupt', async () => {
    await assert.rejects(
      decodeAll(chunked(Buffer.alloc(12, 0xff))),
      /^Error: Corrupt shuffle data at byte 0 of the partition: a length varint is longer than 7 bytes\./,
    );
  });

  test('a missing trailer says the object is not a shuffle object or truncated', () => {
    assert.throws(
      () => readFooter(object.subarray(0, -1)),
      /^Error: Not a shuffle object, or truncated: the last 8 bytes are not the trailer magic "CRSHEND1"\./,
    );
    assert.throws(
      () => readFooter(Buffer.from('abc')),
      /^Error: Shuffle object tail is 3 bytes; at least the 12-byte trailer is needed\./,
    );
  });

  test('a footer that is not JSON, or not contiguous, is rejected', () => {
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32BE(3, 0);
    trailer.write('CRSHEND1', 4, 'latin1');
    assert.throws(
      () => readFooter(Buffer.concat([Buffer.from('{x]'), trailer])),
      /^Error: Corrupt shuffle object footer: it is not valid JSON/,
    );

    const gap = encodeFooter([{ offset: 9, length: 1, records: 1 }]);
    assert.throws(
      () => readFooter(gap),
      /^Error: Corrupt shuffle object footer: partition 0 is \{"offset":9,"length":1,"records":1\}; partitions must be contiguous from byte 8/,
    );

    const footer = Buffer.from(JSON.stringify({ version: 2, partitions: [] }));
    trailer.writeUInt32BE(footer.length, 0);
    assert.throws(
      () => readFooter(Buffer.concat([footer, trailer])),
      /^Error: Unsupported shuffle object footer: expected \{"version":1,"partitions":\[\.\.\.\]\}/,
    );
  });

  test('a missing header magic is reported', () => {
    assert.throws(
      () => checkHeader(Buffer.from('PK\x03\x04....')),
      /^Error: Not a shuffle object: it does not start with the header magic/,
    );
  });
});
