// Entity keys in SqliteEntityStore: checked like Datastore checks them and stored as one text column
// whose byte order is Datastore's key order within a kind: integer ids numerically, before names,
// names by UTF-8 bytes. Ids are int64 (they exceed 2^53), so they are zero-padded decimals.

import { ConfigError } from '../../core/errors.ts';
import type { EntityKey, EntityQuery, KeyRange } from '../../ports/entity-store.ts';

const ID_PREFIX = 'i';
const NAME_PREFIX = 'n';
const ID_DIGITS = 19;
const MAX_ID = 2n ** 63n - 1n;
const ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const RESERVED = /^__.*__$/;

/** A key checked and reduced to where it lives: namespace, kind and sortable id-or-name. */
export interface StoredKey {
  ns: string;
  kind: string;
  sort: string;
}

export function describeKey(key: EntityKey): string {
  const ns = key.namespace ? `${key.namespace}:` : '';
  return `${ns}${key.kind}(${key.id !== undefined ? `id=${key.id}` : `name=${JSON.stringify(key.name)}`})`;
}

export function checkKind(kind: unknown, where: string): string {
  if (typeof kind !== 'string' || kind === '' || RESERVED.test(kind)) {
    throw new ConfigError(
      `${where}: kind ${JSON.stringify(kind)} is not allowed; a kind is a non-empty string not of ` +
        'the reserved form __name__.',
    );
  }
  return kind;
}

export function toStoredKey(key: EntityKey, where: string): StoredKey {
  const kind = checkKind(key?.kind, where);
  const ns = key.namespace ?? '';
  if (typeof ns !== 'string')
    throw new ConfigError(`${where}: namespace must be a string ('' is the default).`);
  const hasId = key.id !== undefined;
  const hasName = key.name !== undefined;
  if (hasId === hasName) {
    throw new ConfigError(
      `${where}: key ${JSON.stringify(key)} must have exactly one of id or name; ` +
        'Datastore keys are either { kind, id: "123" } or { kind, name: "abc" }.',
    );
  }
  if (hasId) return { ns, kind, sort: idSort(key.id, where) };
  const name = key.name;
  if (typeof name !== 'string' || name === '' || RESERVED.test(name)) {
    throw new ConfigError(
      `${where}: key name ${JSON.stringify(name)} is not allowed; use a non-empty string not of the form __name__.`,
    );
  }
  return { ns, kind, sort: NAME_PREFIX + name };
}

function idSort(id: unknown, where: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || BigInt(id) > MAX_ID) {
    throw new ConfigError(
      `${where}: key id ${JSON.stringify(id)} is not allowed; an id is a decimal string from 1 to ` +
        `${MAX_ID} without leading zeros, e.g. "1234567890123456789".`,
    );
  }
  return ID_PREFIX + id.padStart(ID_DIGITS, '0');
}

export function fromStoredKey(ns: string, kind: string, sort: string): EntityKey {
  const key: EntityKey = { kind };
  if (ns !== '') key.namespace = ns;
  if (sort.startsWith(ID_PREFIX)) key.id = sort.slice(1).replace(/^0+/, '');
  else key.name = sort.slice(1);
  return key;
}

/** The query's key range as sort-text bounds; bounds must lie in the query's kind and namespace. */
export function rangeBounds(
  query: EntityQuery,
  range: KeyRange | undefined,
): { start?: string; end?: string } {
  const out: { start?: string; end?: string } = {};
  for (const side of ['start', 'end'] as const) {
    const bound = range?.[side];
    if (bound === undefined) continue;
    const where = `Query on kind "${query.kind}": keyRange.${side}`;
    const stored = toStoredKey(bound, where);
    if (stored.kind !== query.kind || stored.ns !== (query.namespace ?? '')) {
      throw new ConfigError(
        `${where} is ${describeKey(bound)}, outside the query's kind "${query.kind}" and namespace ` +
          `"${query.namespace ?? ''}"; a key range must use keys of the queried kind and namespace.`,
      );
    }
    out[side] = stored.sort;
  }
  return out;
}

// Datastore rejects a commit that mutates one entity twice; so does this store, so a job that
// works locally does not fail in the cloud.
export function rejectDuplicates(keys: readonly StoredKey[], operation: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    const id = `${key.ns}\u0000${key.kind}\u0000${key.sort}`;
    if (seen.has(id)) {
      const shown = describeKey(fromStoredKey(key.ns, key.kind, key.sort));
      throw new ConfigError(
        `${operation}: key ${shown} appears twice in one call; pass each key once per call.`,
      );
    }
    seen.add(id);
  }
}
