// The two shipped migrations written out directly over an in-memory list of entities, and the
// entities they are tested on: shared by the local test (test/jobs/datastore-migration.test.ts)
// and the end-to-end test through the emulated cloud (test/cloud/workloads.test.ts).

import type { Entity, EntityValue } from '../../../src/ports/entity-store.ts';

/**
 * `count` tweets of kind `kind` (1,234 by default: over two commits of 500 per task), a third with
 * an obsolete `score`, and one entity of `noteKind` that also has a `score`.
 */
export function migrationTweets(
  options: { kind?: string; noteKind?: string; count?: number } = {},
): Entity[] {
  const { kind = 'Tweet', noteKind = 'Note', count = 1234 } = options;
  const out: Entity[] = Array.from({ length: count }, (_, i) => ({
    key: { kind, id: String(1000 + i) },
    properties: {
      user: i % 2 ? `Ann${i % 5}` : `bob${i % 5}`,
      text: 'word '.repeat(i % 7).trim(),
      created_at: new Date(Date.UTC(2026, 10, 20, 0, i % 60)),
      ...(i % 3 === 0 ? { score: i } : {}),
    },
  }));
  out.push({ key: { kind: noteKind, name: 'n1' }, properties: { score: 1 } });
  return out;
}

export interface PlainMigration {
  /** Every entity after the migration (other kinds as they were). */
  after: Entity[];
  /** Entities of the kind that the migration rewrites. */
  changed: number;
  /** Entities of the kind. */
  seen: number;
}

/** migrate-drop-property: `property` removed from every entity of `kind` that has it. */
export function plainDropProperty(
  entities: readonly Entity[],
  kind: string,
  property: string,
): PlainMigration {
  let changed = 0;
  let seen = 0;
  const after = entities.map((e) => {
    if (e.key.kind !== kind) return e;
    seen++;
    if (!(property in e.properties)) return e;
    changed++;
    const properties = { ...e.properties };
    delete properties[property];
    return { key: e.key, properties };
  });
  return { after, changed, seen };
}

/** migrate-backfill: word_count (whitespace-separated words of text) or user_lc (user lowercased). */
export function plainBackfill(
  entities: readonly Entity[],
  kind: string,
  property: 'word_count' | 'user_lc',
): PlainMigration {
  let changed = 0;
  let seen = 0;
  const after = entities.map((e) => {
    if (e.key.kind !== kind) return e;
    seen++;
    const { text, user } = e.properties;
    let value: EntityValue | undefined;
    if (property === 'word_count' && typeof text === 'string')
      value = text.split(' ').filter((w) => w.trim() !== '').length;
    if (property === 'user_lc' && typeof user === 'string') value = user.toLowerCase();
    if (value === undefined || e.properties[property] === value) return e;
    changed++;
    return { key: e.key, properties: { ...e.properties, [property]: value } };
  });
  return { after, changed, seen };
}

/** Entities as comparable [key, properties] pairs in key order (the default namespace as absent). */
export function byKey(entities: readonly Entity[]): [string, Entity['properties']][] {
  const id = (e: Entity) => `${e.key.namespace ?? ''}/${e.key.kind}/${e.key.id ?? ''}/${e.key.name ?? ''}`;
  return entities
    .map((e): [string, Entity['properties']] => [id(e), e.properties])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
