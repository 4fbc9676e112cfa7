// Converting between the EntityStore port's plain values and the Datastore client's.
//
// Numbers: Datastore keeps integers and doubles as two types and sorts every integer before every
// double, so storing 1, 2.5 and 3 as the client does by default (int, double, int) would make
// `n < 2.5` match 3. JavaScript has one number type, so every number is stored as a double, except
// in properties named in `integerProperties` (int64 data written by other programs, which a
// double filter would never match). A bigint is stored as an integer (ingest's integer
// properties). Integers read back as numbers, or decimal strings beyond 2^53, like integer ids.
//
// Stored types survive a read-modify-write: reads are made with wrapNumbers (integers arrive as
// the client's Int), the client's values are kept under STORED_VALUES, and an upsert writes every
// property whose value is unchanged exactly as it was read — so a migration that drops one
// property leaves another program's integers, blobs and geo points as they were.

import type { Datastore, Key } from '@google-cloud/datastore';
import { ConfigError } from '../../core/errors.ts';
import { integerReadForm, sameValue, STORED_VALUES } from '../../ports/entity-store.ts';
import type { EntityKey, EntityValue } from '../../ports/entity-store.ts';

export type DatastoreEntity = Record<string | symbol, unknown>;

/** Reads keep integers as the client's Int, so they can be written back as integers. */
export const WRAP_NUMBERS = true;

const DECIMAL_ID = /^[1-9][0-9]{0,18}$/;
const INT64_MAX = 9223372036854775807n;

export class EntityCodec {
  readonly #ds: Datastore;
  readonly #integerProperties: ReadonlySet<string>;

  constructor(datastore: Datastore, integerProperties: readonly string[] = []) {
    this.#ds = datastore;
    this.#integerProperties = new Set(integerProperties);
  }

  toKey(key: EntityKey): Key {
    const { kind, namespace, id, name } = key;
    if (!kind) throw new ConfigError(`An entity key needs a kind; got ${JSON.stringify(key)}.`);
    if ((id === undefined) === (name === undefined)) {
      throw new ConfigError(
        `The key ${JSON.stringify(key)} must have exactly one of id (a decimal string) or name.`,
      );
    }
    if (id !== undefined && !(DECIMAL_ID.test(id) && BigInt(id) <= INT64_MAX)) {
      throw new ConfigError(
        `The key id ${JSON.stringify(id)} of kind ${kind} is not a positive 64-bit decimal integer.`,
      );
    }
    const element = id !== undefined ? this.#ds.int(id) : name!;
    return this.#ds.key(namespace ? { namespace, path: [kind, element] } : { path: [kind, element] });
  }

  fromKey(key: Key): EntityKey {
    const out: EntityKey = { kind: key.kind };
    if (key.namespace) out.namespace = key.namespace;
    if (key.id !== undefined && key.id !== null) out.id = String(key.id);
    else out.name = String(key.name);
    return out;
  }

  keyOf(entity: DatastoreEntity): Key {
    return entity[this.#ds.KEY] as Key;
  }

  /** Top-level properties to the client's values; unchanged ones as they were stored. */
  encodeProperties(properties: Record<string, EntityValue>): Record<string, unknown> {
    const stored = (properties as { [STORED_VALUES]?: unknown })[STORED_VALUES] as
      Record<string, unknown> | undefined;
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(properties)) {
      const was = stored && Object.hasOwn(stored, name) ? stored[name] : undefined;
      out[name] =
        was !== undefined && sameValue(this.decodeValue(was), value)
          ? this.#asStored(was)
          : this.encodeValue(name, value);
    }
    return out;
  }

  /**
   * A value as read (wrapNumbers) ready to be written back as it was: integers are already the
   * client's Int, so a plain number was a double, which the client would write as an integer when
   * it has no fraction; blobs, keys, dates and geo points pass as they are.
   */
  #asStored(value: unknown): unknown {
    if (typeof value === 'number') return this.#ds.double(value);
    if (Array.isArray(value)) return value.map((v) => this.#asStored(v));
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      const nested: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) nested[k] = this.#asStored(v);
      return nested;
    }
    return value;
  }

  encodeValue(property: string, value: EntityValue): unknown {
    if (typeof value === 'bigint') return this.#ds.int(value.toString());
    if (typeof value === 'number') {
      if (this.#integerProperties.has(property) && Number.isInteger(value)) return this.#ds.int(value);
      return this.#ds.double(value);
    }
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((v: EntityValue) => this.encodeValue(property, v));
    const nested: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, EntityValue>))
      nested[k] = this.encodeValue(k, v);
    return nested;
  }

  /** The client's entity (read with wrapNumbers) to plain values, keeping the client's under STORED_VALUES. */
  decodeProperties(entity: DatastoreEntity): Record<string, EntityValue> {
    const out: Record<string, EntityValue> = {};
    const stored: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(entity)) {
      out[name] = this.decodeValue(value);
      stored[name] = value;
    }
    Object.defineProperty(out, STORED_VALUES, { value: stored, enumerable: false, configurable: true });
    return out;
  }

  decodeValue(value: unknown): EntityValue {
    if (value === null || value === undefined) return null;
    if (this.#ds.isInt(value)) return integerReadForm(BigInt((value as { value: string }).value));
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (value instanceof Date) return value;
    if (Buffer.isBuffer(value)) return value.toString('base64');
    if (Array.isArray(value)) return value.map((v) => this.decodeValue(v));
    if (this.#ds.isKey(value)) return this.fromKey(value as Key) as unknown as EntityValue;
    if (typeof value === 'object') {
      const nested: Record<string, EntityValue> = {};
      for (const [k, v] of Object.entries(value)) nested[k] = this.decodeValue(v);
      return nested;
    }
    return String(value);
  }
}

/** Datastore key order for one-level keys: namespace, kind, then ids numerically before names. */
export function compareKeys(a: EntityKey, b: EntityKey): number {
  const ns = compareBytes(a.namespace ?? '', b.namespace ?? '');
  if (ns !== 0) return ns;
  const kind = compareBytes(a.kind, b.kind);
  if (kind !== 0) return kind;
  if (a.id !== undefined && b.id !== undefined) {
    const x = BigInt(a.id);
    const y = BigInt(b.id);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.id !== undefined) return -1;
  if (b.id !== undefined) return 1;
  return compareBytes(a.name ?? '', b.name ?? '');
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
