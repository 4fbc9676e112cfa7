// Shuffle values travel as JSON. These checks run on every emit, so they look only at the top
// level with `typeof` and let JSON.stringify (which runs anyway) catch what is nested: cycles and
// bigints throw, and a value with no JSON form at all returns undefined. Nested undefined and NaN
// follow JSON's own rules (dropped from objects, null in arrays), as JSON.stringify documents.

import { ConfigError } from '../errors.ts';
import type { Key } from '../keys.ts';
import { describeKey } from './combine.ts';

/** Where a bad value came from, for the message. */
export type ValueOrigin = 'emitted' | 'returned by combine';

const ALLOWED =
  'Shuffle values must be JSON-serialisable: null, booleans, finite numbers, strings, and arrays or plain objects of these';

/** The value's JSON text, or a ConfigError naming the key and saying how to fix the value. */
export function valueToJson(key: Key, value: unknown, origin: ValueOrigin = 'emitted'): string {
  switch (typeof value) {
    case 'number':
      if (value - value === 0) return '' + value;
      break;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (err) {
        throw new ConfigError(
          `Cannot shuffle the value ${origin} for key ${describeKey(key)}: JSON.stringify failed (${(err as Error).message}). ${ALLOWED}; remove cycles and convert bigints to strings.`,
          { cause: err },
        );
      }
      if (json === undefined) {
        throw new ConfigError(
          `Cannot shuffle the value ${origin} for key ${describeKey(key)}: it has no JSON form (its toJSON() returned undefined). ${ALLOWED}; emit plain data.`,
        );
      }
      return json;
    }
  }
  throw badValue(key, value, origin);
}

/** The cheap top-level check, for values kept unserialised until a spill (combine mode). */
export function checkValue(key: Key, value: unknown, origin: ValueOrigin = 'emitted'): void {
  const type = typeof value;
  if (type === 'undefined' || type === 'function' || type === 'symbol' || type === 'bigint') {
    throw badValue(key, value, origin);
  }
  if (type === 'number' && (value as number) - (value as number) !== 0) throw badValue(key, value, origin);
}

function badValue(key: Key, value: unknown, origin: ValueOrigin): ConfigError {
  const what = `Cannot shuffle the value ${origin} for key ${describeKey(key)}`;
  switch (typeof value) {
    case 'undefined':
      return new ConfigError(`${what}: it is undefined. ${ALLOWED}; emit null instead, or skip the emit.`);
    case 'number':
      return new ConfigError(
        `${what}: it is ${value}, which JSON cannot represent (JSON.stringify would silently turn it into null). ${ALLOWED}; emit null, a string or a finite number.`,
      );
    case 'bigint':
      return new ConfigError(
        `${what}: it is a bigint (${value}n), which JSON cannot represent. ${ALLOWED}; emit String(value), or Number(value) if it is small enough.`,
      );
    default:
      return new ConfigError(
        `${what}: it is a ${typeof value}. ${ALLOWED}; emit the data it stands for instead.`,
      );
  }
}

/**
 * Rough in-memory size of a value kept unserialised. Objects are measured by their JSON length, which
 * also catches what the top-level check cannot (cycles, nested bigints) at the emit that caused it.
 */
export function estimateValueBytes(key: Key, value: unknown, origin: ValueOrigin = 'emitted'): number {
  switch (typeof value) {
    case 'string':
      return 24 + value.length;
    case 'object':
      return value === null ? 8 : 64 + valueToJson(key, value, origin).length;
    default:
      return 16;
  }
}

/**
 * A shuffle value's JSON text parsed. A plain non-negative integer below 10^9 (a count, the
 * commonest value) is read digit by digit, which costs less than JSON.parse once per record on the
 * reduce side (a reduce of 740,000 counts: 330 -> 290 ms); anything else goes to JSON.parse, which
 * throws on text that is not JSON (leading zeros included, as JSON has none).
 */
export function parseValueJson(json: string): unknown {
  const length = json.length;
  if (length > 0 && length < 10) {
    let n = 0;
    let i = 0;
    for (; i < length; i++) {
      const d = json.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === length && (length === 1 || json.charCodeAt(0) !== 48)) return n;
  }
  return JSON.parse(json);
}
