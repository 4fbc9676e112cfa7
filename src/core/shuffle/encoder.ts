// Writes records and whole shuffle objects (layout in format.ts) into large Buffers, so a spill or
// an upload is a handful of big writes instead of one per record.

import { DEFAULT_CHUNK_BYTES, HEADER_MAGIC, encodeFooter } from './format.ts';
import type { PartitionIndex, ShuffleRecord } from './format.ts';

// Buffer's own per-encoding write methods: present on every Node Buffer and what `buf.write` calls,
// minus its argument parsing, which costs more than the copy for short strings.
interface FastBuffer extends Buffer {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

/** Short strings are copied by a JS loop; a native call costs more than the copy below this. */
const SHORT = 32;

/** Appends records to a sequence of chunks; `take` hands out the chunks that are full. */
export class RecordWriter {
  readonly #chunkBytes: number;
  #chunk: FastBuffer;
  #pos = 0;
  #ready: Buffer[] = [];
  #readyBytes = 0;
  #takenBytes = 0;

  constructor(chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.#chunkBytes = chunkBytes;
    this.#chunk = Buffer.allocUnsafe(chunkBytes) as FastBuffer;
  }

  /** Bytes written so far, taken or not. */
  get bytes(): number {
    return this.#takenBytes + this.#readyBytes + this.#pos;
  }

  /** Bytes in full chunks waiting for `take`. */
  get readyBytes(): number {
    return this.#readyBytes;
  }

  writeRaw(bytes: Buffer): void {
    if (this.#pos + bytes.length > this.#chunk.length) this.#rotate(bytes.length);
    bytes.copy(this.#chunk, this.#pos);
    this.#pos += bytes.length;
  }

  /** Appends one record: `key` is an EncodedKey (one char per byte), `value` JSON text. */
  add(key: string, value: string): void {
    const keyBytes = key.length;
    // A UTF-16 code unit becomes at most 3 UTF-8 bytes; measure exactly only for huge values.
    const maxValueBytes =
      value.length > this.#chunkBytes >> 3 ? Buffer.byteLength(value, 'utf8') : value.length * 3;
    const need = 10 + keyBytes + maxValueBytes;
    if (this.#pos + need > this.#chunk.length) this.#rotate(need);
    const c = this.#chunk;
    let p = writeVarint(c, this.#pos, keyBytes);
    if (keyBytes <= SHORT) {
      for (let i = 0; i < keyBytes; i++) c[p + i] = key.charCodeAt(i);
    } else {
      c.latin1Write(key, p);
    }
    p += keyBytes;
    // The length precedes the bytes but is known only after writing them: reserve the longest varint
    // the value can need and close the gap when the actual length needs fewer bytes.
    const reserve = varintSize(maxValueBytes);
    const n = writeUtf8(c, value, p + reserve);
    const size = varintSize(n);
    if (size !== reserve) c.copyWithin(p + size, p + reserve, p + reserve + n);
    writeVarint(c, p, n);
    this.#pos = p + size + n;
  }

  /** Full chunks written since the last call; the writer forgets them. */
  take(): Buffer[] {
    const ready = this.#ready;
    this.#takenBytes += this.#readyBytes;
    this.#ready = [];
    this.#readyBytes = 0;
    return ready;
  }

  /** Everything not yet taken, including the partly filled chunk. */
  end(): Buffer[] {
    if (this.#pos > 0) this.#rotate(0);
    return this.take();
  }

  #rotate(need: number): void {
    if (this.#pos > 0) {
      this.#ready.push(this.#chunk.subarray(0, this.#pos));
      this.#readyBytes += this.#pos;
    }
    this.#chunk = Buffer.allocUnsafe(Math.max(this.#chunkBytes, need)) as FastBuffer;
    this.#pos = 0;
  }
}

/** Writes one shuffle object: header, partitions in order 0..R-1, footer and trailer. */
export class ObjectEncoder {
  readonly #writer: RecordWriter;
  readonly #partitions: number;
  readonly #index: PartitionIndex = [];
  #current = 0;
  #start: number;
  #records = 0;
  #ended = false;

  constructor(partitions: number, chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.#partitions = partitions;
    this.#writer = new RecordWriter(chunkBytes);
    this.#writer.writeRaw(HEADER_MAGIC);
    this.#start = HEADER_MAGIC.length;
  }

  /** Records must arrive in (partition, key) order; partitions without records may be skipped. */
  add(partition: number, key: string, value: string): void {
    if (partition !== this.#current) this.#advanceTo(partition);
    this.#writer.add(key, value);
    this.#records++;
  }

  get readyBytes(): number {
    return this.#writer.readyBytes;
  }

  /** Full chunks so far; stream them out while encoding continues. */
  take(): Buffer[] {
    return this.#writer.take();
  }

  /** Closes the remaining partitions and returns the last chunks, footer included. */
  end(): Buffer[] {
    if (this.#ended) throw new Error('ObjectEncoder.end() was called twice.');
    this.#advanceTo(this.#partitions);
    this.#ended = true;
    this.#writer.writeRaw(encodeFooter(this.#index));
    return this.#writer.end();
  }

  /** Byte range and record count of every partition; complete after `end`. */
  get index(): PartitionIndex {
    return this.#index;
  }

  #advanceTo(partition: number): void {
    if (this.#ended || partition < this.#current || partition > this.#partitions) {
      throw new Error(
        `Shuffle records must be added in partition order 0..${this.#partitions - 1} before end(); got partition ${partition} while writing partition ${this.#current}.`,
      );
    }
    while (this.#current < partition) {
      const end = this.#writer.bytes;
      this.#index.push({ offset: this.#start, length: end - this.#start, records: this.#records });
      this.#start = end;
      this.#records = 0;
      this.#current++;
    }
  }
}

/** A whole object in one Buffer, from records already sorted within each partition (tests, tools). */
export function encodeObject(partitions: readonly (readonly ShuffleRecord[])[]): {
  object: Buffer;
  index: PartitionIndex;
} {
  const encoder = new ObjectEncoder(partitions.length);
  partitions.forEach((records, p) => {
    for (const r of records) encoder.add(p, r.key, r.value);
  });
  const chunks = [...encoder.take(), ...encoder.end()];
  return { object: Buffer.concat(chunks), index: encoder.index };
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

function writeUtf8(buf: FastBuffer, s: string, pos: number): number {
  const n = s.length;
  if (n <= SHORT) {
    let i = 0;
    for (; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) break;
      buf[pos + i] = ch;
    }
    if (i === n) return n;
  }
  return buf.utf8Write(s, pos);
}
