// migrate-backfill: fills a property computed from others, for entities written before it existed
// (or whose source changed): word_count from text, or user_lc (the user lowercased, for
// case-insensitive equality filters, which Datastore cannot do itself).

import { param } from '../../src/index.ts';
import type { Entity, EntityValue } from '../../src/index.ts';
import { defineMigration } from '../datastore-migration.ts';

/** Words as whitespace-separated runs, as a reader would count them. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

export const BACKFILLS: Record<string, { from: string; compute: (value: string) => EntityValue }> = {
  word_count: { from: 'text', compute: wordCount },
  user_lc: { from: 'user', compute: (user) => user.toLowerCase() },
};

export function backfill(entity: Entity, property: string): Record<string, EntityValue> | undefined {
  const rule = BACKFILLS[property];
  const source = rule ? entity.properties[rule.from] : undefined;
  // An entity without the source keeps what it has: there is nothing to compute from.
  if (!rule || typeof source !== 'string') return undefined;
  return { [property]: rule.compute(source) };
}

export const migrateBackfill = defineMigration({
  name: 'migrate-backfill',
  description:
    'Backfills a computed property on a kind: word_count (from text) or user_lc (user lowercased). Params kind (default Tweet), property; dryRun to preview.',
  params: {
    kind: param.string({ default: 'Tweet', description: 'The kind to backfill.' }),
    property: param.enum(Object.keys(BACKFILLS), {
      default: 'word_count',
      description: 'The property to compute.',
    }),
  },
  kind: (p) => p.kind,
  migrate(entity, p) {
    const set = backfill(entity, p.property);
    return set ? { set } : undefined;
  },
});
