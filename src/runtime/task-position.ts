// Where a task worker is, readable after it died: the worker writes the reduce key it is on into
// memory it shares with the pool — its encoded bytes, a copy loop, no message and no formatting
// per key — and the pool reads it when the worker dies out of heap, so the failure names the key.

import type { EncodedKey } from '../core/keys.ts';
import { describeKey } from '../core/shuffle/combine.ts';
import { decodeShuffleKey } from '../core/shuffle/decode-key.ts';

/** Key bytes kept; a longer key is reported by its size. */
const KEY_BYTES = 1024;
/** Int32 header: [key bytes stored (0: no key), partition, the key's whole length]. */
const HEADER = 3;

export function positionBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER * 4 + KEY_BYTES);
}

/** The worker side: records the key the reducer is on; `undefined` when it is done with it. */
export function positionWriter(
  buffer: SharedArrayBuffer,
): (partition: number, key: EncodedKey | undefined) => void {
  const header = new Int32Array(buffer, 0, HEADER);
  const bytes = new Uint8Array(buffer, HEADER * 4);
  return (partition, key) => {
    // Length 0 while the bytes change: a reader never sees half of one key and half of another.
    Atomics.store(header, 0, 0);
    if (key === undefined) return;
    const n = Math.min(key.length, KEY_BYTES);
    for (let i = 0; i < n; i++) bytes[i] = key.charCodeAt(i); // latin1: one byte per char
    header[1] = partition;
    header[2] = key.length;
    Atomics.store(header, 0, n);
  };
}

/** The pool side: 'key "k" in partition 3' for the key last written, or undefined. */
export function readPosition(buffer: SharedArrayBuffer): string | undefined {
  const header = new Int32Array(buffer, 0, HEADER);
  const n = Atomics.load(header, 0);
  if (n <= 0) return undefined;
  const partition = header[1]!;
  const length = header[2]!;
  if (length > n) return `a key of ${length} bytes in partition ${partition}`;
  const encoded = Buffer.from(new Uint8Array(buffer, HEADER * 4, n)).toString('latin1');
  try {
    return `key ${describeKey(decodeShuffleKey(encoded))} in partition ${partition}`;
  } catch {
    return `a key of ${length} bytes in partition ${partition}`;
  }
}

/** The pool side, before a new task: forget the last one's position. */
export function clearPosition(buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer, 0, HEADER), 0, 0);
}
