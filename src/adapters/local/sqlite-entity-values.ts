// How SqliteEntityStore keeps property values: the whole entity as tagged JSON (so types survive a
// round trip), plus one index row per indexed value whose text sorts like Datastore compares.
//
// Index text: one type-class character, then a body that sorts within the class by plain byte order
// (SQLite's BINARY collation), so `=`, `<`, `>` and ORDER BY run on the index as is:
//   'a' null; 'b' number (ints and floats together, numerically); 'c' datetime; 'd' boolean
//   (false < true); 'e' string (UTF-8 byte order, i.e. code point order, as Datastore).
// Datastore orders integers, datetimes and floats in different groups; numbers are one JS type here,
// so they compare numerically whatever their Datastore encoding.

import { ConfigError } from '../../core/errors.ts';
import { integerReadForm } from '../../ports/entity-store.ts';
import type { EntityValue } from '../../ports/entity-store.ts';

export type Scalar = string | number | boolean | Date | null;

/** One indexed value: `prop` is a dotted path for values inside embedded entities. */
export interface IndexEntry {
  prop: string;
  sort: string;
}

const TYPE_NULL = 'a';
const TYPE_NUMBER = 'b';
const TYPE_DATE = 'c';
const TYPE_BOOL = 'd';
const TYPE_STRING = 'e';

const bits = new DataView(new ArrayBuffer(8));

/** Index text of a scalar; a filter value is encoded exactly like a stored value. */
export function sortText(value: Scalar): string {
  if (value === null) return TYPE_NULL;
  if (typeof value === 'string') return TYPE_STRING + value;
  if (typeof value === 'boolean') return TYPE_BOOL + (value ? '1' : '0');
  if (typeof value === 'number') return TYPE_NUMBER + sortableDouble(value);
  return TYPE_DATE + sortableDouble(value.getTime());
}

/** The [low, high) band of index text holding every value of the scalar's type class. */
export function typeBand(value: Scalar): { low: string; high: string } {
  const low = sortText(value).charAt(0);
  return { low, high: String.fromCharCode(low.charCodeAt(0) + 1) };
}

// IEEE-754 bits, sign flipped for positives and all bits flipped for negatives: byte order is then
// numeric order. -0 is folded into 0 so they index as one value.
function sortableDouble(n: number): string {
  bits.setFloat64(0, n === 0 ? 0 : n);
  let hi = bits.getUint32(0);
  let lo = bits.getUint32(4);
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * Checks a property map and returns its index entries. Lists index every element under the list's
 * name; embedded entities index their values under `parent.child` (both as Datastore).
 */
export function checkAndIndex(properties: Record<string, EntityValue>, where: string): IndexEntry[] {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    throw new ConfigError(`${where}: properties must be a plain object of property name to value.`);
  }
  const out: IndexEntry[] = [];
  for (const [name, value] of Object.entries(properties)) visit(value, name, where, out, false);
  return out;
}

function visit(value: unknown, path: string, where: string, out: IndexEntry[], inList: boolean): void {
  // A bigint (a 64-bit integer in Datastore) is kept as it reads back: a number, or a decimal string.
  if (typeof value === 'bigint') value = integerReadForm(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    out.push({ prop: path, sort: sortText(value) });
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ConfigError(
        `${where}: property "${path}" is ${value}; the local entity store keeps only finite numbers. ` +
          'Store it as null or a string instead.',
      );
    }
    out.push({ prop: path, sort: sortText(value) });
  } else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new ConfigError(`${where}: property "${path}" is an invalid Date; pass a Date with a real time.`);
    }
    out.push({ prop: path, sort: sortText(value) });
  } else if (Array.isArray(value)) {
    if (inList) {
      throw new ConfigError(
        `${where}: property "${path}" is a list inside a list; Datastore does not allow nested lists. ` +
          'Wrap the inner list in an object, e.g. [{ values: [...] }].',
      );
    }
    for (const element of value) visit(element, path, where, out, true);
  } else if (isPlainObject(value)) {
    for (const [name, inner] of Object.entries(value)) visit(inner, `${path}.${name}`, where, out, false);
  } else {
    throw new ConfigError(
      `${where}: property "${path}" has unsupported type ${describeType(value)}; allowed: string, ` +
        'number, bigint, boolean, null, Date, lists and plain objects of those.',
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

// JSON cannot carry a Date, so dates become {"$date": iso}. A user object that would read back as a
// tag (exactly one key, "$date" or "$object") is wrapped in {"$object": ...} so nothing is misread.
const DATE_TAG = '$date';
const OBJECT_TAG = '$object';

export function encodeProperties(properties: Record<string, EntityValue>): string {
  return JSON.stringify(toJson(properties));
}

export function decodeProperties(text: string): Record<string, EntityValue> {
  return fromJson(JSON.parse(text) as unknown) as Record<string, EntityValue>;
}

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return integerReadForm(value);
  if (value instanceof Date) return { [DATE_TAG]: value.toISOString() };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const object = Object.fromEntries(entries.map(([k, v]) => [k, toJson(v)]));
    return looksTagged(entries) ? { [OBJECT_TAG]: object } : object;
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only?.[0] === DATE_TAG) return new Date(String(only[1]));
    const plain = only?.[0] === OBJECT_TAG ? Object.entries(only[1] as object) : entries;
    return Object.fromEntries(plain.map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

function looksTagged(entries: [string, unknown][]): boolean {
  return entries.length === 1 && (entries[0]?.[0] === DATE_TAG || entries[0]?.[0] === OBJECT_TAG);
}
