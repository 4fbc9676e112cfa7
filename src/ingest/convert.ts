// Checks one record against its kind and converts it to an entity: every problem of the record is
// listed (not just the first), so a sender can fix a record in one go.

import type { Entity, EntityKey, EntityValue } from '../ports/entity-store.ts';
import { RESERVED_NAME } from './kinds.ts';
import type { Kind, PropertyType } from './kinds.ts';

export type Converted = { entity: Entity } | { problems: string[] };

/** Datastore integer ids are positive int64s; key ids are decimal strings because they exceed 2^53. */
const INT64_ID = /^[1-9]\d{0,18}$/;
const MAX_ID = 9223372036854775807n;
const INTEGER = /^-?\d+$/;

export interface ConvertOptions {
  /**
   * Values come from CSV cells (all strings): numbers, booleans and lists are parsed from text and
   * an empty cell is a missing value.
   */
  fromText?: boolean;
}

/** The declaration of property `name`, if the kind has one (own properties only: not `toString`). */
export function declaredProperty(kind: Kind, name: string): Kind['properties'][string] | undefined {
  return Object.hasOwn(kind.properties, name) ? kind.properties[name] : undefined;
}

export function convertRecord(kind: Kind, record: unknown, options: ConvertOptions = {}): Converted {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { problems: [`not an object but ${show(record)}`] };
  const problems: string[] = [];
  // Names such as constructor or toString are plain properties here: every read below is of own
  // properties, and every write creates one.
  const properties: Record<string, EntityValue> = {};
  const fields = record as Record<string, unknown>;
  const field = (name: string): unknown => (Object.hasOwn(fields, name) ? fields[name] : undefined);
  for (const [name, raw] of Object.entries(fields)) {
    if (RESERVED_NAME.test(name)) {
      problems.push(
        `property name ${JSON.stringify(name)} is reserved (names of the form __name__ are); rename the field`,
      );
      continue;
    }
    const declared = declaredProperty(kind, name);
    const value = options.fromText && raw === '' ? null : raw;
    if (!declared) {
      if (kind.additionalProperties) properties[name] = value as EntityValue;
      else
        problems.push(
          `unknown property "${name}" (${kind.kind} has ${Object.keys(kind.properties).join(', ')})`,
        );
      continue;
    }
    if (value === null || value === undefined) continue; // a missing value; required ones checked below
    const converted = convertValue(declared.type, value, options.fromText === true);
    if ('problem' in converted) problems.push(`"${name}" ${converted.problem}`);
    else properties[name] = converted.value;
  }
  for (const [name, def] of Object.entries(kind.properties)) {
    if (!def.required || Object.hasOwn(properties, name)) continue;
    // A present but invalid value already has its problem.
    const sent = field(name);
    if (sent === undefined || sent === null || (options.fromText && sent === ''))
      problems.push(name === kind.key ? `missing the key "${name}"` : `missing "${name}"`);
  }
  let key: EntityKey | undefined;
  const keyValue = Object.hasOwn(properties, kind.key) ? properties[kind.key] : undefined;
  if (keyValue !== undefined) {
    const k = toKey(kind, keyValue);
    if ('problem' in k) problems.push(k.problem);
    else {
      key = k.key;
      // An integer key is also stored in its property as a 64-bit integer (no 2^53 rounding).
      if (k.key.id !== undefined) properties[kind.key] = BigInt(k.key.id);
    }
  }
  if (problems.length > 0 || !key) return { problems };
  return { entity: { key, properties } };
}

function toKey(kind: Kind, value: EntityValue): { key: EntityKey } | { problem: string } {
  const type = declaredProperty(kind, kind.key)?.type;
  // An open kind's key (type json, see openKind) is an id when it looks like one, else a name.
  const looksLikeId =
    type === 'json' &&
    (typeof value === 'number' || typeof value === 'bigint' || INT64_ID.test(String(value)));
  if (type === 'integer' || looksLikeId) {
    const id = String(value);
    if (INT64_ID.test(id) && BigInt(id) <= MAX_ID) return { key: { kind: kind.kind, id } };
    return { problem: `the key "${kind.key}" must be a positive integer below 2^63; got ${show(value)}` };
  }
  if (typeof value === 'string' && value !== '') return { key: { kind: kind.kind, name: value } };
  return { problem: `the key "${kind.key}" must be a non-empty string; got ${show(value)}` };
}

function convertValue(
  type: PropertyType,
  value: unknown,
  fromText: boolean,
): { value: EntityValue } | { problem: string } {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { value } : expected('a string', value);
    case 'integer': {
      // Stored as a 64-bit integer (a bigint, see EntityValue). Decimal strings are accepted so
      // values above 2^53 survive JSON.
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { value: BigInt(value) };
      if (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n) return { value };
      if (typeof value === 'string' && INTEGER.test(value)) {
        const n = BigInt(value);
        if (n >= -(2n ** 63n) && n < 2n ** 63n) return { value: n };
        return expected('an integer within 64 bits', value);
      }
      return expected('an integer (a number or a decimal string)', value);
    }
    case 'number': {
      const n =
        (typeof value === 'string' && fromText && value.trim() !== '') || typeof value === 'bigint'
          ? Number(value)
          : value;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : expected('a finite number', value);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      if (fromText && (value === 'true' || value === 'false')) return { value: value === 'true' };
      return expected('true or false', value);
    }
    case 'datetime': {
      const d = typeof value === 'string' ? new Date(value) : undefined;
      return d && !Number.isNaN(d.getTime()) ? { value: d } : expected('an ISO 8601 datetime string', value);
    }
    case 'string[]': {
      let list = value;
      if (fromText && typeof value === 'string') {
        try {
          list = JSON.parse(value);
        } catch {
          return expected('a JSON array of strings', value);
        }
      }
      return Array.isArray(list) && list.every((s) => typeof s === 'string')
        ? { value: list as string[] }
        : expected('an array of strings', value);
    }
    case 'json':
      return { value: value as EntityValue };
  }
}

function expected(what: string, value: unknown): { problem: string } {
  return { problem: `must be ${what}; got ${show(value)}` };
}

export function show(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
