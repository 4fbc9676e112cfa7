// `cloudreduce ingest --kind KIND FILE.ndjson|FILE.csv`: stores records as entities in the local
// entity store (the stand-in for Datastore) through the ingest core (src/ingest), keyed by a field
// so re-ingesting is an idempotent upsert. A declared kind (Tweet, or one from --kinds) checks the
// records against its schema; any other kind takes the records as they are, keyed by --key.
// With --dev the file goes to the running dev cloud instead: uploaded to its incoming bucket under
// ingest/<Kind>/, where the ingestObject function ingests it, and the summary it writes is shown.

import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import { SqliteEntityStore } from '../../adapters/local/sqlite-entity-store.ts';
import { IngestError, prepare, upsertInBatches, type Kind } from '../../ingest/index.ts';
import type { Entity } from '../../ports/entity-store.ts';
import { KindRegistry, kindsOfModule, openKind } from '../../ingest/kinds.ts';
import { INGEST_PREFIX, RESULTS_PREFIX } from '../../ingest/object.ts';
import { formatOfName } from '../../ingest/parse.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { devTarget } from '../dev-target.ts';
import type { CliIo } from '../session.ts';

export const INGEST_HELP = `Usage: cloudreduce ingest --kind KIND [--key FIELD] [--datetime FIELD]... [--kinds MODULE]... FILE.ndjson|FILE.csv [--data-dir DIR]
       cloudreduce ingest --kind KIND FILE.ndjson|FILE.csv --dev [--wait SECONDS] [--data-dir DIR]

Stores each record of an NDJSON or CSV file (header line first) as a KIND entity in the local
entity store. Declared kinds (built in: Tweet; more from --kinds MODULE or CLOUDREDUCE_KINDS, any
export made with defineKind) are checked against their schema and keyed by their key property. Any
other kind is stored as sent, keyed by --key FIELD (default "id"): an integer becomes a numeric id,
anything else a name, so sending a record twice updates it instead of duplicating it; --datetime
FIELD stores that field as a datetime (ISO 8601). If any record is bad, nothing is stored and every
bad line is listed with its problems.

--dev sends the file to the running \`cloudreduce dev\` instead (found through DATA_DIR/dev.json):
it is uploaded to the dev cloud's incoming bucket as ingest/KIND/FILE (replacing an earlier upload
of that name), where the ingestObject function ingests it as in a deployment: good records are
stored in Datastore, bad lines go to a rejects object. The command waits (up to --wait SECONDS,
default 60) for ingestObject's summary, ingest-results/KIND/FILE.summary.json, and prints it; it
exits with 0 when no line was rejected, else 1, listing the rejected lines. The dev cloud knows the
built-in kinds and those its job modules export (\`cloudreduce dev --jobs MODULE\`).
Example: cloudreduce ingest --kind Tweet tweets.ndjson --dev`;

const DEFAULT_WAIT_SECONDS = 60;

export async function ingestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ingest', argv, {
    kind: { type: 'string' },
    key: { type: 'string' },
    datetime: { type: 'string', multiple: true },
    kinds: { type: 'string', multiple: true },
    dev: { type: 'boolean' },
    wait: { type: 'string' },
  });
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(INGEST_HELP);
    return 0;
  }
  const file = positionals[0];
  if (values.kind === undefined)
    throw new ConfigError(
      '--kind is missing: name the kind of the records, e.g. `cloudreduce ingest --kind Tweet tweets.ndjson`. ' +
        'See `cloudreduce ingest --help`.',
    );
  if (!file)
    throw new ConfigError(
      `The file is missing: name the .ndjson or .csv file to ingest, e.g. \`cloudreduce ingest --kind ${values.kind} FILE.ndjson\`.`,
    );
  if (positionals.length > 1)
    throw new ConfigError(`ingest takes one file; got ${positionals.length}. Run it once per file.`);
  const format = formatOfName(file);
  if (format !== 'ndjson' && format !== 'csv')
    throw new ConfigError(
      `${file}: ingest reads .ndjson (or .jsonl) and .csv files; rename the file or convert it.`,
    );
  if (values.dev) return ingestToDev(file, values, common.dataDir, common.json, io);
  if (values.wait !== undefined)
    throw new ConfigError('--wait goes with --dev: it is how long to wait for the dev cloud.');
  const modules = [...(values.kinds ?? []), ...splitList(io.env.CLOUDREDUCE_KINDS)];
  const registry = await localKinds(modules, io.cwd);
  const kind = resolveKind(values.kind, values.key, values.datetime ?? [], registry);
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
    if (!(err instanceof IngestError)) throw err;
    const missingDefaultKey =
      !registry.get(kind.kind) &&
      values.key === undefined &&
      err.rejected.some((r) => r.problems.includes(`missing the key "${kind.key}"`));
    throw new ConfigError(
      `${err.message}\n` +
        (missingDefaultKey
          ? `${kind.kind} is not a declared kind (declared: ${registry.names().join(', ')}), so its records are ` +
            `keyed by "${kind.key}", which they lack: pass --key FIELD to key them by the field that identifies a record.`
          : 'Fix the lines and run again.'),
    );
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

async function localKinds(modules: readonly string[], cwd: string): Promise<KindRegistry> {
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
  return registry;
}

function resolveKind(
  name: string,
  key: string | undefined,
  datetimes: readonly string[],
  registry: KindRegistry,
): Kind {
  const declared = registry.get(name);
  if (!declared) {
    // "tweet" for Tweet is a typo, not a new kind: it would be stored apart, unchecked and keyed by id.
    const near = nearestKind(name, registry);
    if (near && key === undefined)
      throw new ConfigError(
        `Unknown kind "${name}"; did you mean "${near}"? (declared: ${registry.names().join(', ')}) ` +
          '— or pass --key FIELD to ingest an undeclared kind as sent.',
      );
    return openKind(name, key ?? 'id', datetimes);
  }
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

/** A declared kind that `name` is probably meant to be: the same but for case, or one or two typos. */
function nearestKind(name: string, registry: KindRegistry): string | undefined {
  const lower = name.toLowerCase();
  let best: { kind: string; distance: number } | undefined;
  for (const kind of registry.names()) {
    const distance = editDistance(lower, kind.toLowerCase());
    const close = distance === 0 || (distance <= 2 && distance * 4 <= kind.length);
    if (close && (!best || distance < best.distance)) best = { kind, distance };
  }
  return best?.kind;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}

interface ObjectSummary {
  object: string;
  kind?: string;
  stored?: number;
  rejected?: number;
  commits?: number;
  rejects?: string;
  error?: string;
}

/** Upload to the dev cloud's incoming bucket, then wait for ingestObject's summary and show it. */
async function ingestToDev(
  file: string,
  values: { kind?: string; key?: string; datetime?: string[]; kinds?: string[]; wait?: string },
  dataDir: string,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const { state, config } = await devTarget(
    dataDir,
    io.env,
    'drop --dev to ingest into the local entity store',
  );
  if (values.key !== undefined || values.datetime !== undefined || values.kinds !== undefined)
    throw new ConfigError(
      '--key, --datetime and --kinds are for a local ingest. The dev cloud ingests the kinds declared in ' +
        'its job modules: export the kind (defineKind) from a job module and restart `cloudreduce dev --jobs MODULE`.',
    );
  const waitSeconds = parseCount('--wait', values.wait) ?? DEFAULT_WAIT_SECONDS;
  const registry = await devKinds(config.jobModules, io.cwd);
  const kindName = values.kind!;
  if (!registry.get(kindName)) {
    const near = nearestKind(kindName, registry);
    const declared = `declared in the dev cloud: ${registry.names().join(', ')}`;
    throw new ConfigError(
      near
        ? `Unknown kind "${kindName}"; did you mean "${near}"? (${declared})`
        : `The dev cloud has no kind "${kindName}" (${declared}). Export it (defineKind) from a job module ` +
            'and restart `cloudreduce dev --jobs MODULE`, or drop --dev to ingest it locally as sent with --key FIELD.',
    );
  }
  const path = resolve(io.cwd, file);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}.`);
  }

  const { GcsBlobStore } = await import('../../adapters/gcp/gcs-blob-store.ts');
  const bucket = config.incomingBucket ?? config.workBucket;
  const blobs = new GcsBlobStore({ bucket, projectId: config.projectId, apiEndpoint: state.gcsEndpoint });
  const relative = `${kindName}/${basename(file)}`;
  const object = `${INGEST_PREFIX}${relative}`;
  const summaryName = `${RESULTS_PREFIX}${relative}.summary.json`;
  // A re-upload of the same name rewrites the results: clear the old ones to wait for the new.
  await blobs.delete(summaryName);
  await blobs.delete(`${RESULTS_PREFIX}${relative}.rejects.ndjson`);
  await blobs.put(object, await readFile(path), {
    contentType: formatOfName(file) === 'csv' ? 'text/csv' : 'application/x-ndjson',
  });
  io.err(`uploaded ${file} (${size} bytes) to gs://${bucket}/${object}; waiting for ingestObject…`);

  const started = Date.now();
  let reported = 0;
  let summary: ObjectSummary | undefined;
  while (!summary) {
    const text = (await blobs.stat(summaryName))
      ? await blobs.get(summaryName).catch(() => undefined)
      : undefined;
    if (text) {
      summary = JSON.parse(text.toString('utf8')) as ObjectSummary;
      break;
    }
    const elapsed = (Date.now() - started) / 1000;
    if (elapsed >= waitSeconds)
      throw new ConfigError(
        `No summary gs://${bucket}/${summaryName} after ${waitSeconds} s. Is the dev cloud's ingestObject ` +
          'function running? Look for its errors in the `cloudreduce dev` terminal, or wait longer with --wait SECONDS.',
      );
    if (elapsed - reported >= 5) {
      reported = Math.floor(elapsed);
      io.err(`still waiting for gs://${bucket}/${summaryName} (${reported} s)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (json) io.out(JSON.stringify(summary, null, 2));
  if (summary.error !== undefined) {
    throw new ConfigError(`ingestObject did not ingest gs://${bucket}/${object}: ${summary.error}`);
  }
  const rejected = summary.rejected ?? 0;
  if (!json)
    io.out(
      `ingested ${file} into the dev cloud: ${summary.stored} ${summary.kind} entities stored in ` +
        `${summary.commits} commit(s), ${rejected} line(s) rejected`,
    );
  if (rejected === 0) return 0;
  const rejectsName = summary.rejects ?? `${RESULTS_PREFIX}${relative}.rejects.ndjson`;
  const lines = (await blobs.get(rejectsName).catch(() => Buffer.from('')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { line: number; problems: string[] });
  io.err(
    [
      `error: ${rejected} bad ${summary.kind} record(s) in ${file} were not stored (all of them: gs://${bucket}/${rejectsName}):`,
      ...lines.slice(0, 20).map((r) => `  line ${r.line}: ${r.problems.join('; ')}`),
      ...(lines.length > 20 ? [`  ... and ${lines.length - 20} more`] : []),
      'Fix the lines and ingest them again (records are keyed: the stored ones are not duplicated).',
    ].join('\n'),
  );
  return 1;
}

/** The kinds the dev cloud's ingest functions know: built in, plus those of its job modules. */
async function devKinds(jobModules: readonly string[], cwd: string): Promise<KindRegistry> {
  const { loadJobs, toModuleUrl } = await import('../../runtime/job-modules.ts');
  const jobs = await loadJobs(jobModules.map((m) => toModuleUrl(m, cwd)));
  const registry = new KindRegistry();
  const modules = new Set(jobs.list().map((entry) => entry.module));
  for (const module of modules) {
    if (module !== undefined)
      for (const k of kindsOfModule((await import(module)) as Record<string, unknown>)) registry.register(k);
  }
  return registry;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
