// EntityStore: Datastore entities as job input, job output and ingest target. Firestore in
// Datastore mode in the cloud; a SQLite file locally.

/**
 * A one-level key. Integer ids are decimal strings (tweet ids exceed 2^53). Order, as Datastore:
 * by namespace, then kind, then ids (numerically) before names (by string).
 */
export interface EntityKey {
  kind: string;
  namespace?: string;
  id?: string;
  name?: string;
}

/**
 * A property value. Numbers are stored as doubles (see the Datastore codec for why); a `bigint` is
 * stored as a 64-bit integer. Reads give integers back as numbers when they fit 2^53, else as
 * decimal strings (`integerReadForm`), never as bigints, so user code can do arithmetic on them.
 */
export type EntityValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | readonly EntityValue[]
  | { readonly [k: string]: EntityValue };

/** How a stored 64-bit integer reads back: a number when it fits 2^53, else its decimal string. */
export function integerReadForm(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

/**
 * A store may attach to the properties it reads, under this non-enumerable symbol, how each
 * property is stored (Datastore: integer or double, blob, geo point…). Passed back on upsert, every
 * property whose value is unchanged is written exactly as it was stored, so a read-modify-write
 * (a migration) does not turn another program's integers into doubles. `keepStoredTypes` carries it
 * to a new properties object; spreading does not (it is non-enumerable, so equality checks and
 * JSON ignore it).
 */
export const STORED_VALUES: unique symbol = Symbol.for('cloudreduce.entity.storedValues');

type WithStored = Record<string, EntityValue> & { [STORED_VALUES]?: unknown };

/** `to`, carrying what the store recorded about `from`'s stored values (see STORED_VALUES). */
export function keepStoredTypes(
  from: Record<string, EntityValue>,
  to: Record<string, EntityValue>,
): Record<string, EntityValue> {
  const stored = (from as WithStored)[STORED_VALUES];
  if (stored !== undefined)
    Object.defineProperty(to, STORED_VALUES, { value: stored, enumerable: false, configurable: true });
  return to;
}

/** Entity values compared by content: Dates by instant, bigints with numbers numerically, lists and
 * objects member by member. */
export function sameValue(a: EntityValue, b: EntityValue): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? integerReadForm(a) : a;
    const y = typeof b === 'bigint' ? integerReadForm(b) : b;
    return x === y;
  }
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v: EntityValue, i) => sameValue(v, (b as EntityValue[])[i]!));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const rb = b as Record<string, EntityValue>;
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => k in rb && sameValue((a as Record<string, EntityValue>)[k]!, rb[k]!))
    );
  }
  return a === b;
}

export interface Entity {
  key: EntityKey;
  properties: Record<string, EntityValue>;
}

export type FilterOp = '=' | '<' | '<=' | '>' | '>=';

export interface PropertyFilter {
  property: string;
  op: FilterOp;
  value: string | number | bigint | boolean | Date | null;
}

/** [start, end): either bound may be absent. */
export interface KeyRange {
  start?: EntityKey;
  end?: EntityKey;
}

export interface EntityQuery {
  kind: string;
  namespace?: string;
  filters?: readonly PropertyFilter[];
  orderBy?: readonly { property: string; direction?: 'asc' | 'desc' }[];
  keyRange?: KeyRange;
  limit?: number;
  keysOnly?: boolean;
}

/** The most mutations a store commits in one request (Datastore's long-standing batch size). */
export const MAX_MUTATIONS_PER_COMMIT = 500;

export interface EntityStore {
  /** Keyed upserts; callers batch at most MAX_MUTATIONS_PER_COMMIT, adapters enforce it. */
  upsert(entities: readonly Entity[]): Promise<void>;
  delete(keys: readonly EntityKey[]): Promise<void>;
  get(keys: readonly EntityKey[]): Promise<(Entity | undefined)[]>;
  query(query: EntityQuery): AsyncIterable<Entity>;
  /**
   * Cuts the query's key space into at most `n` contiguous ranges of similar size (sampling, like
   * Datastore's __scatter__). Returns one unbounded range when it cannot sample.
   */
  splitKeyRanges(query: EntityQuery, n: number): Promise<KeyRange[]>;
}
