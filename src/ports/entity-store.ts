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

export type EntityValue =
  string | number | boolean | null | Date | readonly EntityValue[] | { readonly [k: string]: EntityValue };

export interface Entity {
  key: EntityKey;
  properties: Record<string, EntityValue>;
}

export type FilterOp = '=' | '<' | '<=' | '>' | '>=';

export interface PropertyFilter {
  property: string;
  op: FilterOp;
  value: string | number | boolean | Date | null;
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
