// Kinds that ingest understands: a schema of typed properties and the field whose value becomes
// the entity key, so a record sent twice upserts the same entity. Tweet is built in; user kinds
// are registered from their modules like jobs (any export made with defineKind).

import { ConfigError } from '../core/errors.ts';

export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'string[]' | 'json';

export const PROPERTY_TYPES: readonly PropertyType[] = [
  'string',
  'integer',
  'number',
  'boolean',
  'datetime',
  'string[]',
  'json',
];

export type PropertyDef = PropertyType | { type: PropertyType; required?: boolean };

export interface KindDefinition {
  /** The Datastore kind, e.g. 'Tweet'. */
  kind: string;
  /** The property whose value is the key: an integer becomes a numeric id, a string a name. */
  key: string;
  properties: Record<string, PropertyDef>;
  /** Accept properties the schema does not declare, stored as sent (default false: rejected). */
  additionalProperties?: boolean;
}

export interface Kind {
  readonly kind: string;
  readonly key: string;
  readonly properties: Readonly<Record<string, { type: PropertyType; required: boolean }>>;
  readonly additionalProperties: boolean;
  /** Marks the value as a kind, so a module's kind exports can be told from its other exports. */
  readonly isKind: true;
}

const KIND_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * Property names of the form __name__ are reserved by Datastore; `__proto__` would also replace an
 * object's prototype instead of becoming a property.
 */
export const RESERVED_NAME = /^__.*__$/;

export function defineKind(definition: KindDefinition): Kind {
  const where = `Kind ${JSON.stringify(definition.kind)}`;
  if (typeof definition.kind !== 'string' || !KIND_NAME.test(definition.kind))
    throw new ConfigError(`${where}: the kind must be letters, digits and '_' (up to 100), e.g. 'Tweet'.`);
  const properties: Record<string, { type: PropertyType; required: boolean }> = {};
  for (const [name, def] of Object.entries(definition.properties ?? {})) {
    // Datastore reserves __name__; as a key of `properties`, __proto__ would not even be stored.
    if (RESERVED_NAME.test(name))
      throw new ConfigError(
        `${where}: property name ${JSON.stringify(name)} is reserved (names of the form __name__ are); rename it.`,
      );
    const type = typeof def === 'string' ? def : def.type;
    if (!PROPERTY_TYPES.includes(type))
      throw new ConfigError(
        `${where}: property "${name}" has type ${JSON.stringify(type)}; use one of ${PROPERTY_TYPES.join(', ')}.`,
      );
    properties[name] = { type, required: typeof def === 'object' && def.required === true };
  }
  const keyProp = Object.hasOwn(properties, definition.key) ? properties[definition.key] : undefined;
  if (typeof definition.key !== 'string' || definition.key === '' || !keyProp)
    throw new ConfigError(`${where}: key ${JSON.stringify(definition.key)} must name one of its properties.`);
  if (keyProp.type !== 'integer' && keyProp.type !== 'string')
    throw new ConfigError(`${where}: the key property "${definition.key}" must be an integer or a string.`);
  keyProp.required = true; // every record needs its key
  return Object.freeze({
    kind: definition.kind,
    key: definition.key,
    properties: Object.freeze(properties),
    additionalProperties: definition.additionalProperties === true,
    isKind: true as const,
  });
}

export function isKind(value: unknown): value is Kind {
  return typeof value === 'object' && value !== null && (value as { isKind?: unknown }).isKind === true;
}

/** The tweets of the demo and the tweet jobs: ids exceed 2^53, so the key id is a decimal string. */
export const TweetKind = defineKind({
  kind: 'Tweet',
  key: 'tid',
  properties: { tid: 'integer', user: 'string', text: 'string', created_at: 'datetime', urls: 'string[]' },
});

export class KindRegistry {
  readonly #kinds = new Map<string, Kind>();

  constructor(kinds: readonly Kind[] = [TweetKind]) {
    for (const k of kinds) this.register(k);
  }

  /** A later registration of the same kind replaces the earlier one (a user may redefine Tweet). */
  register(kind: Kind): void {
    if (!isKind(kind)) throw new ConfigError('registerKind takes a kind made with defineKind.');
    this.#kinds.set(kind.kind, kind);
  }

  get(name: string): Kind | undefined {
    return this.#kinds.get(name);
  }

  names(): string[] {
    return [...this.#kinds.keys()].sort();
  }
}

/** Every kind a module exports (default or named). */
export function kindsOfModule(module: Record<string, unknown>): Kind[] {
  return Object.values(module).filter(isKind);
}

/**
 * A kind nobody declared (`cloudreduce ingest --kind X --key F`): any properties, stored as sent,
 * except the given datetime fields; the key is an integer id when it looks like one, else a name.
 */
export function openKind(kind: string, key: string, datetimes: readonly string[] = []): Kind {
  const declared = defineKind({ kind, key, properties: { [key]: 'string' }, additionalProperties: true });
  const properties: Record<string, { type: PropertyType; required: boolean }> = {
    [key]: { type: 'json', required: true },
  };
  for (const name of datetimes) {
    if (RESERVED_NAME.test(name))
      throw new ConfigError(
        `Kind ${JSON.stringify(kind)}: the datetime field ${JSON.stringify(name)} is a reserved name (__name__).`,
      );
    if (name !== key) properties[name] = { type: 'datetime', required: false };
  }
  return Object.freeze({ ...declared, properties: Object.freeze(properties) });
}
