// Datastore entities as output: keyed upserts and deletes sent straight from the task in commits of
// at most 500 mutations. Keyed writes are idempotent, so a retried attempt simply writes the same
// entities again and nothing needs attempt-scoping. (A failed attempt's writes stay: like the
// predecessor, a job that changes its records between attempts sees the last attempt win.)
//
// Counting: the task also logs each mutation's key to NDJSON parts ({"key":…} or {"delete":…}),
// so the committed parts count exactly the mutations of committed attempts, and a later stage can
// read the keys written with fromStage.

import { ConfigError, NonRetryableError } from '../../core/errors.ts';
import type { Entity, EntityKey, EntityValue } from '../../ports/entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../ports/entity-store.ts';
import type { OutputWriter, TaskOutputContext, TaskOutputWriter } from '../types.ts';
import { NdjsonPartWriter } from './part-writer.ts';

export interface EntityOutputSpec {
  readonly type: 'entities';
  /** Kind for keys that name none; keys naming another kind are refused. */
  readonly kind?: string;
  /** Namespace for keys that name none. */
  readonly namespace?: string;
}

/** A record for the entities output: an entity to upsert, or a key to delete. */
export type EntityMutation = Entity | { delete: EntityKey };

export function entitiesOutput(options: { kind?: string; namespace?: string } = {}): EntityOutputSpec {
  const spec: EntityOutputSpec = { type: 'entities', ...options };
  entitiesWriter.validate!(spec);
  return spec;
}

type Op = 'upsert' | 'delete';

class EntityTaskWriter implements TaskOutputWriter {
  readonly #spec: EntityOutputSpec;
  readonly #ctx: TaskOutputContext;
  readonly #log: NdjsonPartWriter;
  #op: Op = 'upsert';
  #upserts: Entity[] = [];
  #deletes: EntityKey[] = [];
  #keysInBatch = new Set<string>();
  /** Commits run one after another, so an upsert and a later delete of a key keep their order. */
  #chain: Promise<void> = Promise.resolve();
  #error: { error: unknown } | undefined;

  constructor(spec: EntityOutputSpec, ctx: TaskOutputContext) {
    this.#spec = spec;
    this.#ctx = ctx;
    this.#log = new NdjsonPartWriter(ctx);
  }

  write(record: unknown): void | Promise<void> {
    if (this.#error) throw this.#error.error;
    const mutation = this.#parse(record);
    const id = keyId(mutation.key);
    // Datastore refuses two mutations of one key in a commit; a new op type also needs a new commit.
    const size = this.#upserts.length + this.#deletes.length;
    let flushed: Promise<void> | undefined;
    if (size > 0 && (mutation.op !== this.#op || this.#keysInBatch.has(id))) flushed = this.#flush();
    this.#op = mutation.op;
    this.#keysInBatch.add(id);
    if (mutation.op === 'upsert') this.#upserts.push(mutation.entity);
    else this.#deletes.push(mutation.key);
    const logged = this.#log.write(
      mutation.op === 'upsert' ? { key: mutation.key } : { delete: mutation.key },
    );
    if (this.#upserts.length + this.#deletes.length >= MAX_MUTATIONS_PER_COMMIT) flushed = this.#flush();
    if (!flushed && !logged) return undefined;
    const done = Promise.all([flushed, logged]).then(() => undefined);
    done.catch(() => {}); // kept for close(); a caller may drop this promise
    return done;
  }

  async close(): Promise<{ parts: { name: string; records: number }[] }> {
    await this.#flush();
    if (this.#error) throw this.#error.error;
    return this.#log.close();
  }

  async abort(): Promise<void> {
    this.#upserts = [];
    this.#deletes = [];
    await this.#chain;
    await this.#log.abort();
  }

  #flush(): Promise<void> {
    const upserts = this.#upserts;
    const deletes = this.#deletes;
    this.#upserts = [];
    this.#deletes = [];
    this.#keysInBatch = new Set();
    const store = this.#ctx.entities;
    const next = this.#chain.then(async () => {
      if (this.#error) return;
      if (upserts.length > 0) await store.upsert(upserts);
      if (deletes.length > 0) await store.delete(deletes);
    });
    this.#chain = next.catch((error: unknown) => {
      this.#error ??= { error };
    });
    return next;
  }

  #parse(
    record: unknown,
  ): { op: 'upsert'; key: EntityKey; entity: Entity } | { op: 'delete'; key: EntityKey } {
    const r = record as Partial<Record<'key' | 'properties' | 'delete', unknown>> | null;
    if (typeof r === 'object' && r !== null && 'delete' in r)
      return { op: 'delete', key: this.#key(r.delete) };
    if (typeof r === 'object' && r !== null && 'key' in r && isPlainObject(r.properties)) {
      const key = this.#key(r.key);
      return { op: 'upsert', key, entity: { key, properties: r.properties as Record<string, EntityValue> } };
    }
    throw this.#fail(
      `records must be { key, properties } to upsert an entity or { delete: key } to delete one; got ${show(record)}`,
      "emit e.g. { key: { kind: 'Tweet', id: '123' }, properties: { text: 'hi' } }",
    );
  }

  #key(value: unknown): EntityKey {
    if (!isPlainObject(value))
      throw this.#fail(
        `a key must be an object like { kind, id } or { kind, name }; got ${show(value)}`,
        'fix the key',
      );
    const k = value as Partial<Record<keyof EntityKey, unknown>>;
    const kind = k.kind ?? this.#spec.kind;
    if (typeof kind !== 'string' || kind === '') {
      throw this.#fail(
        `the key ${show(value)} names no kind`,
        'set key.kind, or give the output a kind: output.entities({ kind })',
      );
    }
    if (this.#spec.kind !== undefined && kind !== this.#spec.kind) {
      throw this.#fail(
        `the key ${show(value)} is of kind "${kind}" but this output writes "${this.#spec.kind}"`,
        'use another output for that kind',
      );
    }
    const namespace = k.namespace ?? this.#spec.namespace;
    const id = typeof k.id === 'number' && Number.isSafeInteger(k.id) && k.id > 0 ? String(k.id) : k.id;
    if (id !== undefined && (typeof id !== 'string' || !/^[1-9]\d*$/.test(id))) {
      throw this.#fail(
        `the key id ${show(k.id)} is not a positive integer`,
        "write ids as decimal strings like '1234' (or use name for text)",
      );
    }
    if (k.name !== undefined && (typeof k.name !== 'string' || k.name === '')) {
      throw this.#fail(`the key name ${show(k.name)} is not a non-empty string`, 'fix the name');
    }
    if ((id === undefined) === (k.name === undefined)) {
      throw this.#fail(
        `the key ${show(value)} must have exactly one of id and name`,
        'keys without an id would get a new one on every retry, so writes must name their entity',
      );
    }
    return {
      kind,
      ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}),
      ...(id !== undefined ? { id } : { name: k.name as string }),
    };
  }

  #fail(problem: string, fix: string): NonRetryableError {
    return new NonRetryableError(`Output "${this.#ctx.outputName}" (entities): ${problem}; ${fix}.`);
  }
}

function keyId(key: EntityKey): string {
  return JSON.stringify([key.namespace ?? '', key.kind, key.id ?? null, key.name ?? null]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function show(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 100 ? `${json.slice(0, 97)}...` : json;
  } catch {
    return String(value);
  }
}

export const entitiesWriter: OutputWriter<EntityOutputSpec> = {
  type: 'entities',
  validate(spec) {
    for (const field of ['kind', 'namespace'] as const) {
      const value = spec[field];
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new ConfigError(
          `Entities output ${field} must be a non-empty string when given; got ${JSON.stringify(value)}. Leave it out to take it from each record's key.`,
        );
      }
    }
  },
  open: (spec, ctx) => new EntityTaskWriter(spec, ctx),
  async finalize(spec, ctx) {
    return { target: `entities:${spec.kind ?? '*'}`, rows: ctx.parts.reduce((sum, p) => sum + p.records, 0) };
  },
};
