// `cloudreduce ingest --kind KIND FILE.ndjson|FILE.csv`: stores records as entities in the local
// entity store (the stand-in for Datastore) through the ingest core (src/ingest), keyed by a field
// so re-ingesting is an idempotent upsert. A declared kind (Tweet, or one from --kinds) checks the
// records against its schema; any other kind takes the records as they are, keyed by --key.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import { SqliteEntityStore } from '../../adapters/local/sqlite-entity-store.ts';
import { IngestError, prepare, upsertInBatches, type Kind } from '../../ingest/index.ts';
import type { Entity } from '../../ports/entity-store.ts';
import { KindRegistry, kindsOfModule, openKind } from '../../ingest/kinds.ts';
import { formatOfName } from '../../ingest/parse.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse } from '../args.ts';
import type { CliIo } from '../session.ts';

export const INGEST_HELP = `Usage: cloudreduce ingest --kind KIND [--key FIELD] [--datetime FIELD]... [--kinds MODULE]... FILE.ndjson|FILE.csv [--data-dir DIR]

Stores each record of an NDJSON or CSV file (header line first) as a KIND entity in the local
entity store. Declared kinds (built in: Tweet; more from --kinds MODULE or CLOUDREDUCE_KINDS, any
export made with defineKind) are checked against their schema and keyed by their key property. Any
other kind is stored as sent, keyed by --key FIELD (default "id"): an integer becomes a numeric id,
anything else a name, so sending a record twice updates it instead of duplicating it; --datetime
FIELD stores that field as a datetime (ISO 8601). If any record is bad, nothing is stored and every
bad line is listed with its problems.`;

export async function ingestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ingest', argv, {
    kind: { type: 'string' },
    key: { type: 'string' },
    datetime: { type: 'string', multiple: true },
    kinds: { type: 'string', multiple: true },
  });
  const common = commonOptions(values, io.env);
  const file = positionals[0];
  if (common.help || !file || !values.kind) {
    io.out(INGEST_HELP);
    return common.help ? 0 : 2;
  }
  if (positionals.length > 1)
    throw new ConfigError(`ingest takes one file; got ${positionals.length}. Run it once per file.`);
  const format = formatOfName(file);
  if (format !== 'ndjson' && format !== 'csv')
    throw new ConfigError(
      `${file}: ingest reads .ndjson (or .jsonl) and .csv files; rename the file or convert it.`,
    );
  const modules = [...(values.kinds ?? []), ...splitList(io.env.CLOUDREDUCE_KINDS)];
  const kind = await resolveKind(values.kind, values.key, values.datetime ?? [], modules, io.cwd);
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}.`);
  }
  let entities: Entity[];
  try {
    // A local file has no request limits: it is read whole, like the predecessor's bulk loader.
    const limits = { maxBodyBytes: Infinity, maxRecords: Infinity };
    ({ entities } = prepare(kind, text, { format, limits, source: file }));
  } catch (err) {
    if (err instanceof IngestError) throw new ConfigError(`${err.message}\nFix the lines and run again.`);
    throw err;
  }
  const path = localPaths(common.dataDir).entities;
  await mkdir(dirname(path), { recursive: true });
  const store = new SqliteEntityStore(path);
  try {
    await upsertInBatches(store, entities);
    io.out(`ingested ${entities.length} ${kind.kind} entities from ${file}`);
    return 0;
  } finally {
    await (store as { close?: () => Promise<void> | void }).close?.();
  }
}

async function resolveKind(
  name: string,
  key: string | undefined,
  datetimes: readonly string[],
  modules: readonly string[],
  cwd: string,
): Promise<Kind> {
  const registry = new KindRegistry();
  for (const m of modules) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(resolve(cwd, m)).href)) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot load kinds module ${m}: ${(err as Error).message}.`);
    }
    const kinds = kindsOfModule(module);
    if (kinds.length === 0) throw new ConfigError(`${m} exports no kinds; export them made with defineKind.`);
    for (const k of kinds) registry.register(k);
  }
  const declared = registry.get(name);
  if (!declared) return openKind(name, key ?? 'id', datetimes);
  if (key !== undefined && key !== declared.key)
    throw new ConfigError(
      `kind ${name} is keyed by "${declared.key}", not "${key}"; drop --key or use another kind name.`,
    );
  for (const d of datetimes) {
    if (declared.properties[d]?.type !== 'datetime')
      throw new ConfigError(
        `--datetime ${d}: kind ${name} declares no datetime property "${d}"; its schema decides.`,
      );
  }
  return declared;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
