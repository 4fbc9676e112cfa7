// The ingest core shared by the CLI, the HTTP function and the Cloud Storage trigger: limits,
// parsing, checks against the kind, and keyed upserts in commits of at most 500.
//
// Policy (docs/ingest.md): a request is all or nothing. If any record is bad the request is refused
// (400) with each bad record's problems and nothing is stored, so a sender never has to work out
// which half of a batch landed. A file (object) ingest uses storeGood instead: good records are
// stored and bad lines are handed back for a rejects object.

import type { Entity, EntityStore } from '../ports/entity-store.ts';
import { MAX_MUTATIONS_PER_COMMIT } from '../ports/entity-store.ts';
import { convertRecord } from './convert.ts';
import type { Kind } from './kinds.ts';
import { parseRecords, type Format } from './parse.ts';

export interface IngestLimits {
  /** Largest body accepted, in bytes (default 10 MiB; Cloud Functions caps HTTP bodies at 32 MB). */
  maxBodyBytes: number;
  /** Most records in one request (default 10,000: 20 commits). */
  maxRecords: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxBodyBytes: 10 * 1024 * 1024, maxRecords: 10_000 };

export interface RecordProblem {
  /** 1-based line (NDJSON, CSV) or array index + 1 (JSON). */
  line: number;
  problems: string[];
  /** The line as sent, for rejects objects (NDJSON and CSV). */
  raw?: string;
}

export interface IngestResult {
  kind: string;
  /** Records stored (upserted; a re-sent record counts again but changes nothing). */
  stored: number;
  rejected: RecordProblem[];
  commits: number;
}

/** A refused request: status 400 (bad records) or 413 (too large); nothing stored. */
export class IngestError extends Error {
  readonly status: 400 | 413;
  readonly rejected: RecordProblem[];
  constructor(status: 400 | 413, message: string, rejected: RecordProblem[] = []) {
    super(message);
    this.name = 'IngestError';
    this.status = status;
    this.rejected = rejected;
  }
}

export interface IngestOptions {
  format: Format;
  limits?: Partial<IngestLimits>;
  /** Store the good records and return the bad ones (file ingest) instead of refusing it all. */
  storeGood?: boolean;
  /** Where the text came from, for messages: 'tweets.ndjson', 'the request body'. */
  source?: string;
}

export function checkBodySize(bytes: number, limits: Partial<IngestLimits> = {}, what = 'The body'): void {
  const max = limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  if (bytes > max)
    throw new IngestError(
      413,
      `${what} is ${bytes} bytes, more than the ${max} allowed; send the records in smaller parts.`,
    );
}

/** Checks and converts every record; throws IngestError unless all are good (or storeGood). */
export function prepare(
  kind: Kind,
  text: string,
  options: IngestOptions,
): { entities: Entity[]; rejected: RecordProblem[] } {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  checkBodySize(Buffer.byteLength(text), limits);
  const parsed = parseRecords(text, options.format);
  // A wrong CSV header is one mistake, not one per row: the whole text is refused, even storeGood.
  if (parsed.columns) {
    const problem = csvHeaderProblem(kind, parsed.columns, options.source);
    if (problem) throw new IngestError(400, problem);
  }
  if (!options.storeGood && parsed.records.length > limits.maxRecords)
    throw new IngestError(
      413,
      `${parsed.records.length} records in ${options.source ?? 'the request'}, more than the ${limits.maxRecords} allowed per request; split it.`,
    );
  const rawLines = options.format === 'json' ? undefined : text.split(/\r?\n/);
  const entities: Entity[] = [];
  const rejected: RecordProblem[] = [];
  for (const r of parsed.records) {
    const converted =
      r.problem !== undefined
        ? { problems: [r.problem] }
        : convertRecord(kind, r.value, { fromText: parsed.fromText });
    if ('entity' in converted) entities.push(converted.entity);
    else {
      const raw = rawLines?.[r.line - 1];
      rejected.push({ line: r.line, problems: converted.problems, ...(raw !== undefined ? { raw } : {}) });
    }
  }
  if (rejected.length > 0 && !options.storeGood) {
    throw new IngestError(400, rejectionMessage(kind.kind, options.source, rejected), rejected);
  }
  return { entities, rejected };
}

/**
 * What is wrong with a CSV header for `kind`, or undefined: columns the kind does not declare
 * (unless it takes additional properties) and required columns (the key first) that are missing.
 */
export function csvHeaderProblem(
  kind: Kind,
  columns: readonly string[],
  source?: string,
): string | undefined {
  const declared = Object.keys(kind.properties);
  const unknown = kind.additionalProperties ? [] : columns.filter((c) => !Object.hasOwn(kind.properties, c));
  const missing = declared.filter((p) => kind.properties[p]!.required && !columns.includes(p));
  const lacks: string[] = [];
  if (missing.includes(kind.key)) lacks.push(`the key column ${kind.key}`);
  const others = missing.filter((p) => p !== kind.key);
  if (others.length) lacks.push(`the required column(s) ${others.join(', ')}`);
  const faults: string[] = [];
  if (unknown.length) faults.push(`has unknown column(s) ${unknown.join(', ')}`);
  if (lacks.length) faults.push(`lacks ${lacks.join(' and ')}`);
  if (faults.length === 0) return undefined;
  const of = source ? ` of ${source}` : '';
  const expected = kind.additionalProperties ? '' : `; ${kind.kind}'s columns are ${declared.join(', ')}`;
  return `The CSV header${of} ${faults.join(' and ')}${expected}.`;
}

export function rejectionMessage(
  kind: string,
  source: string | undefined,
  rejected: RecordProblem[],
): string {
  const shown = rejected.slice(0, 20).map((r) => `  line ${r.line}: ${r.problems.join('; ')}`);
  const more = rejected.length > 20 ? [`  ... and ${rejected.length - 20} more`] : [];
  return [
    `${rejected.length} bad ${kind} record(s) in ${source ?? 'the request'}; nothing was stored:`,
    ...shown,
    ...more,
  ].join('\n');
}

/** Keyed upserts in commits of at most 500; a key sent twice in one batch keeps its last record. */
export async function upsertInBatches(store: EntityStore, entities: readonly Entity[]): Promise<number> {
  // Datastore refuses two mutations of one key in a commit: the last record of a key wins.
  const byKey = new Map<string, Entity>();
  for (const e of entities) byKey.set(JSON.stringify([e.key.kind, e.key.id ?? null, e.key.name ?? null]), e);
  const unique = [...byKey.values()];
  let commits = 0;
  for (let i = 0; i < unique.length; i += MAX_MUTATIONS_PER_COMMIT) {
    await store.upsert(unique.slice(i, i + MAX_MUTATIONS_PER_COMMIT));
    commits++;
  }
  return commits;
}

export async function ingest(
  store: EntityStore,
  kind: Kind,
  text: string,
  options: IngestOptions,
): Promise<IngestResult> {
  const { entities, rejected } = prepare(kind, text, options);
  const commits = await upsertInBatches(store, entities);
  return { kind: kind.kind, stored: entities.length, rejected, commits };
}
