// The intermediate (shuffle) object: what one map task attempt writes, holding all R partitions.
//
//   header   8 bytes  "CRSHUF1\n"
//   partition 0 .. R-1, contiguous, each a key-sorted sequence of records:
//            varint keyLength, key bytes (EncodedKey, latin1), varint valueLength, value bytes (UTF-8 JSON)
//   footer   JSON {"version":1,"partitions":[{"offset","length","records"}, ...]} (offsets from byte 0)
//   trailer  12 bytes: footer length (uint32 big-endian) + "CRSHEND1"
//
// One object per attempt rather than one per (map, partition) pair keeps a run at M writes instead
// of M×R, under GCS's per-bucket write rate. Reducers fetch their partition with one ranged read per
// map object, using the index the map task committed; the footer makes the object self-describing
// for tools and for recovery. Varints are unsigned LEB128. The same layout is used for spill runs.

import type { EncodedKey } from '../keys.ts';

export const FORMAT_VERSION = 1;
export const HEADER_MAGIC = Buffer.from('CRSHUF1\n', 'latin1');
export const TRAILER_MAGIC = Buffer.from('CRSHEND1', 'latin1');
export const TRAILER_BYTES = 4 + TRAILER_MAGIC.length;
/** Large enough that most reads and writes are few syscalls, small enough to stream. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** One shuffled record; `value` is JSON text, parsed only when a consumer needs the value. */
export interface ShuffleRecord {
  key: EncodedKey;
  value: string;
}

/** Byte range (from the start of the object) and record count of each partition, in order. */
export type PartitionIndex = { offset: number; length: number; records: number }[];

export interface ShuffleFooter {
  version: number;
  partitions: PartitionIndex;
}

/** Footer JSON plus trailer, the bytes that end every shuffle object. */
export function encodeFooter(partitions: PartitionIndex): Buffer {
  const json = Buffer.from(JSON.stringify({ version: FORMAT_VERSION, partitions }), 'utf8');
  const trailer = Buffer.allocUnsafe(TRAILER_BYTES);
  trailer.writeUInt32BE(json.length, 0);
  TRAILER_MAGIC.copy(trailer, 4);
  return Buffer.concat([json, trailer]);
}

/**
 * How many bytes from the end of the object `readFooter` needs, given at least the trailer. Tools read
 * a guess (say 64 KiB) from the end, and read again when this says more.
 */
export function footerBytes(tail: Buffer): number {
  if (tail.length < TRAILER_BYTES) {
    throw new Error(
      `Shuffle object tail is ${tail.length} bytes; at least the ${TRAILER_BYTES}-byte trailer is needed. Pass the last bytes of the object.`,
    );
  }
  const trailerAt = tail.length - TRAILER_BYTES;
  if (!tail.subarray(trailerAt + 4).equals(TRAILER_MAGIC)) {
    throw new Error(
      `Not a shuffle object, or truncated: the last ${TRAILER_MAGIC.length} bytes are not the trailer magic "CRSHEND1". Check that the whole object was written and that the tail passed is its end.`,
    );
  }
  return tail.readUInt32BE(trailerAt) + TRAILER_BYTES;
}

/** Parses the footer from the last bytes of a shuffle object (the whole object works too). */
export function readFooter(tail: Buffer): ShuffleFooter {
  const need = footerBytes(tail);
  if (tail.length < need) {
    throw new Error(
      `Shuffle object footer needs the last ${need} bytes of the object but only ${tail.length} were given; read the last ${need} bytes and try again.`,
    );
  }
  const text = tail.toString('utf8', tail.length - need, tail.length - TRAILER_BYTES);
  let footer: unknown;
  try {
    footer = JSON.parse(text);
  } catch (err) {
    throw new Error(`Corrupt shuffle object footer: it is not valid JSON (${(err as Error).message}).`, {
      cause: err,
    });
  }
  return checkFooter(footer);
}

function checkFooter(footer: unknown): ShuffleFooter {
  const f = footer as Partial<ShuffleFooter> | null;
  if (typeof f !== 'object' || f === null || f.version !== FORMAT_VERSION || !Array.isArray(f.partitions)) {
    throw new Error(
      `Unsupported shuffle object footer: expected {"version":${FORMAT_VERSION},"partitions":[...]}, got ${JSON.stringify(footer)?.slice(0, 80)}. The object was written by another cloudreduce version or is corrupt.`,
    );
  }
  let end = HEADER_MAGIC.length;
  f.partitions.forEach((p, i) => {
    const ok =
      typeof p === 'object' &&
      p !== null &&
      [p.offset, p.length, p.records].every((n) => Number.isSafeInteger(n) && n >= 0) &&
      p.offset === end;
    if (!ok) {
      throw new Error(
        `Corrupt shuffle object footer: partition ${i} is ${JSON.stringify(p)}; partitions must be contiguous from byte ${HEADER_MAGIC.length}, with non-negative integer offset, length and records.`,
      );
    }
    end += p.length;
  });
  return { version: f.version, partitions: f.partitions };
}

/** Checks the header magic at byte 0. */
export function checkHeader(head: Buffer): void {
  if (head.length < HEADER_MAGIC.length || !head.subarray(0, HEADER_MAGIC.length).equals(HEADER_MAGIC)) {
    throw new Error(
      `Not a shuffle object: it does not start with the header magic "CRSHUF1\\n" (got ${JSON.stringify(head.subarray(0, 8).toString('latin1'))}).`,
    );
  }
}
