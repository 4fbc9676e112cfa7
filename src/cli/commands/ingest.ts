// `cloudreduce ingest --kind KIND FILE.ndjson`: stores records as entities in the local entity
// store (the stand-in for Datastore), keyed by a field so re-ingesting is an idempotent upsert.

import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError } from '../../core/errors.ts';
import type { Entity, EntityKey, EntityValue } from '../../ports/entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../../ports/entity-store.ts';
import { SqliteEntityStore } from '../../adapters/local/sqlite-entity-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse } from '../args.ts';
import type { CliIo } from '../session.ts';

export const INGEST_HELP = `Usage: cloudreduce ingest --kind KIND [--key FIELD] [--datetime FIELD]... FILE.ndjson [--data-dir DIR]

Stores each NDJSON record as a KIND entity in the local entity store. The key is the record's
FIELD (default "id"): an integer becomes a numeric id, anything else a name, so sending the same
record twice updates it instead of duplicating it. --datetime FIELD stores that field as a
datetime (ISO 8601 strings). A bad line stops the ingest before anything is written.`;

export async function ingestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ingest', argv, {
    kind: { type: 'string' },
    key: { type: 'string' },
    datetime: { type: 'string', multiple: true },
  });
  const common = commonOptions(values, io.env);
  const file = positionals[0];
  if (common.help || !file || !values.kind) {
    io.out(INGEST_HELP);
    return common.help ? 0 : 2;
  }
  const kind = values.kind;
  const keyField = values.key ?? 'id';
  const datetimes = new Set(values.datetime ?? []);
  const entities: Entity[] = [];
  const lines = createInterface({ input: createReadStream(resolve(io.cwd, file)), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(
        `${file}:${n}: not valid JSON (${(err as Error).message}); nothing was ingested. Fix the line and run again.`,
      );
    }
    entities.push({
      key: entityKey(kind, record[keyField], `${file}:${n}`, keyField),
      properties: toProperties(record, datetimes, `${file}:${n}`),
    });
  }
  const store = new SqliteEntityStore(localPaths(common.dataDir).entities);
  try {
    for (let i = 0; i < entities.length; i += MAX_MUTATIONS_PER_COMMIT)
      await store.upsert(entities.slice(i, i + MAX_MUTATIONS_PER_COMMIT));
  } finally {
    await (store as { close?: () => Promise<void> | void }).close?.();
  }
  io.out(`ingested ${entities.length} ${kind} entities from ${file}`);
  return 0;
}

function entityKey(kind: string, value: unknown, where: string, field: string): EntityKey {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
    return { kind, id: String(value) };
  if (typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value)) return { kind, id: value };
  if (typeof value === 'string' && value !== '') return { kind, name: value };
  throw new ConfigError(
    `${where}: the key field "${field}" is missing or not a positive integer or non-empty string; choose the key with --key FIELD.`,
  );
}

function toProperties(
  record: Record<string, unknown>,
  datetimes: Set<string>,
  where: string,
): Record<string, EntityValue> {
  const props: Record<string, EntityValue> = {};
  for (const [name, value] of Object.entries(record)) {
    if (datetimes.has(name) && value !== null) {
      const d = new Date(value as string);
      if (typeof value !== 'string' || Number.isNaN(d.getTime()))
        throw new ConfigError(`${where}: "${name}" is not an ISO 8601 datetime (${JSON.stringify(value)}).`);
      props[name] = d;
    } else props[name] = value as EntityValue;
  }
  return props;
}
