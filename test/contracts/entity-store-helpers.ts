// Helpers shared by the EntityStore contract suites.

import { randomUUID } from 'node:crypto';
import type {
  Entity,
  EntityKey,
  EntityQuery,
  EntityStore,
  EntityValue,
} from '../../src/ports/entity-store.ts';

/** A kind no other test (or earlier run against a persistent emulator) has used. */
export function uniqueKind(label: string): string {
  return `${label}_${randomUUID().slice(0, 8)}`;
}

/** A key as one comparable string; the default namespace may come back as '' or absent. */
export function keyText(key: EntityKey): string {
  const id = key.id !== undefined ? `id:${key.id}` : `name:${key.name}`;
  return `${key.namespace ?? ''}/${key.kind}/${id}`;
}

export async function collect(iterable: AsyncIterable<Entity>): Promise<Entity[]> {
  const out: Entity[] = [];
  for await (const entity of iterable) out.push(entity);
  return out;
}

/** The ids (or names) a query returns, in order. */
export async function queryIds(store: EntityStore, query: EntityQuery): Promise<string[]> {
  return (await collect(store.query(query))).map((e) => e.key.id ?? `${e.key.name}`);
}

/** Upserts entities named by their id or name (decimal strings become ids), in batches. */
export async function seed(
  store: EntityStore,
  kind: string,
  rows: readonly [string, Record<string, EntityValue>][],
  namespace?: string,
): Promise<void> {
  const entities = rows.map(([idOrName, properties]) => ({
    key: makeKey(kind, idOrName, namespace),
    properties,
  }));
  for (let i = 0; i < entities.length; i += 500) await store.upsert(entities.slice(i, i + 500));
}

export function makeKey(kind: string, idOrName: string, namespace?: string): EntityKey {
  const key: EntityKey = /^[1-9][0-9]*$/.test(idOrName) ? { kind, id: idOrName } : { kind, name: idOrName };
  if (namespace !== undefined) key.namespace = namespace;
  return key;
}
