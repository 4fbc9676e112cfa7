// Keys: strings, finite numbers, or tuples (arrays) of them, nested to any depth.
//
// Every key has one canonical byte encoding whose plain byte order IS the documented total order:
//   numbers < strings < tuples;
//   numbers by numeric value (-0 is 0; NaN is rejected);
//   strings by Unicode code point (UTF-8 byte order), a prefix before its extensions;
//   tuples element by element, a shorter prefix first.
// In memory the encoding is held as a "binary string" (one char per byte, all < 256), so the
// engine can sort with `<`, hash, and use it as a Map key without allocating Buffers; on disk the
// same bytes are written verbatim (Buffer 'latin1'). Partitioning hashes these bytes with FNV-1a,
// which is defined here and so is stable across processes, machines and Node versions.

import { ConfigError } from './errors.ts';

export type KeyPart = string | number | readonly KeyPart[];
export type Key = KeyPart;

/** An encoded key: one char per byte. Compare with `<`, use as a Map key, hash with `partitionOf`. */
export type EncodedKey = string;

const TAG_NUMBER = 0x02;
const TAG_STRING = 0x03;
const TAG_TUPLE = 0x04;
const END = 0x00;
const ESCAPE = 0xff;

const ASCII_NO_NUL = /^[\x01-\x7f]*$/;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeKey(key: Key): EncodedKey {
  if (typeof key === 'string' && ASCII_NO_NUL.test(key)) return '\x03' + key + '\x00';
  const out: number[] = [];
  encodeInto(key, out);
  return bytesToBinary(out);
}

/**
 * Bytes of a string or number key's encoding, checking the key as `encodeKey` does (the same
 * errors), without making the encoding for an ASCII string or a number: for buffers that hold many
 * keys and encode them only when they are sorted.
 */
export function encodedLength(key: string | number): number {
  if (typeof key === 'string') return ASCII_NO_NUL.test(key) ? key.length + 2 : encodeKey(key).length;
  if (typeof key === 'number' && key - key === 0) return 9;
  return encodeKey(key).length;
}

function encodeInto(key: Key, out: number[]): void {
  if (typeof key === 'string') {
    // UTF-8 cannot carry a lone surrogate: it would become U+FFFD and collide with that key.
    if (!key.isWellFormed()) {
      throw new ConfigError(
        `A key string has a lone UTF-16 surrogate (${JSON.stringify(key.slice(0, 40))}); it cannot be stored without merging it with other keys. Fix the text first, e.g. key.toWellFormed().`,
      );
    }
    out.push(TAG_STRING);
    for (const b of Buffer.from(key, 'utf8')) {
      out.push(b);
      if (b === END) out.push(ESCAPE);
    }
    out.push(END);
  } else if (typeof key === 'number') {
    if (!Number.isFinite(key)) {
      throw new ConfigError(`A key number must be finite; got ${key}. Use a string key for special values.`);
    }
    out.push(TAG_NUMBER);
    f64[0] = key === 0 ? 0 : key; // -0 and 0 are one key
    // Big-endian IEEE 754 with the sign flipped (negatives fully inverted) sorts numerically.
    const negative = (f64Bytes[littleEndian ? 7 : 0]! & 0x80) !== 0;
    for (let i = 0; i < 8; i++) {
      const b = f64Bytes[littleEndian ? 7 - i : i]!;
      out.push(negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b);
    }
  } else if (Array.isArray(key)) {
    out.push(TAG_TUPLE);
    for (const part of key as readonly KeyPart[]) encodeInto(part, out);
    out.push(END);
  } else {
    throw new ConfigError(
      `A key must be a string, a finite number or an array of them; got ${describe(key)}. ` +
        'Convert it first, e.g. emit(String(id), value) or emit([user, day], value).',
    );
  }
}

export function decodeKey(encoded: EncodedKey): Key {
  const state = { pos: 0 };
  const key = decodeFrom(encoded, state);
  if (state.pos !== encoded.length)
    throw new Error(`Corrupt key encoding: ${encoded.length - state.pos} trailing bytes`);
  return key;
}

function decodeFrom(s: string, state: { pos: number }): Key {
  const tag = s.charCodeAt(state.pos++);
  if (tag === TAG_STRING) {
    const bytes: number[] = [];
    for (;;) {
      if (state.pos >= s.length) throw new Error('Corrupt key encoding: unterminated string');
      const b = s.charCodeAt(state.pos++);
      if (b === END) {
        if (s.charCodeAt(state.pos) === ESCAPE) {
          bytes.push(END);
          state.pos++;
          continue;
        }
        break;
      }
      bytes.push(b);
    }
    return Buffer.from(bytes).toString('utf8');
  }
  if (tag === TAG_NUMBER) {
    const raw: number[] = [];
    for (let i = 0; i < 8; i++) raw.push(s.charCodeAt(state.pos + i));
    state.pos += 8;
    const negative = (raw[0]! & 0x80) === 0;
    const bytes = raw.map((b, i) => (negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b));
    const ordered = littleEndian ? bytes.reverse() : bytes;
    for (let i = 0; i < 8; i++) f64Bytes[i] = ordered[i]!;
    return f64[0]!;
  }
  if (tag === TAG_TUPLE) {
    const parts: KeyPart[] = [];
    while (s.charCodeAt(state.pos) !== END) {
      if (state.pos >= s.length) throw new Error('Corrupt key encoding: unterminated tuple');
      parts.push(decodeFrom(s, state));
    }
    state.pos++;
    return parts;
  }
  throw new Error(`Corrupt key encoding: unknown tag ${tag}`);
}

/** Total order on encoded keys: byte order. */
export function compareEncoded(a: EncodedKey, b: EncodedKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order on keys, as documented above. */
export function compareKeys(a: Key, b: Key): number {
  return compareEncoded(encodeKey(a), encodeKey(b));
}

/** FNV-1a (32 bit) over the encoded bytes, then mod `partitions`. */
export function partitionOf(encoded: EncodedKey, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < encoded.length; i++) {
    h ^= encoded.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

function bytesToBinary(bytes: number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.slice(i, i + 8192));
  return s;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return `an object (${JSON.stringify(value)?.slice(0, 60)})`;
  return `${typeof value} ${String(value).slice(0, 60)}`;
}
