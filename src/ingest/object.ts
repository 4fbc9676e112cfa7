// Ingest of objects dropped in the incoming bucket (Cloud Storage object-finalized events):
// "ingest/<Kind>/<anything>.ndjson" or ".csv" becomes Kind entities. Only objects under ingest/ are
// ingested: the same bucket holds job input files (e.g. `submit` uploads under uploads/), and the
// deployed notification is filtered to that prefix too. Unlike a request, a file is not all or
// nothing: nobody is waiting to fix and resend it, so good records are stored (keyed upserts,
// commits of ≤500) and bad lines go to a rejects object beside a summary object:
//   ingest-results/<Kind>/<anything>.summary.json   { object, kind, stored, rejected, commits }
//   ingest-results/<Kind>/<anything>.rejects.ndjson { line, problems, raw } per bad line
// A redelivered event stores the same keys again (no duplicates) and rewrites the same results.

import type { BlobStore } from '../ports/blob-store.ts';
import type { EntityStore } from '../ports/entity-store.ts';
import { checkBodySize, ingest, IngestError, type IngestLimits, type IngestResult } from './ingest.ts';
import type { KindRegistry } from './kinds.ts';
import { formatOfName } from './parse.ts';

/** Objects under this prefix of the incoming bucket are ingested: ingest/<Kind>/<anything>. */
export const INGEST_PREFIX = 'ingest/';
/** Results live under this prefix, outside INGEST_PREFIX, so they are never ingested themselves. */
export const RESULTS_PREFIX = 'ingest-results/';

export interface ObjectIngestDeps {
  /** The incoming bucket. */
  incoming: BlobStore;
  store: EntityStore;
  kinds: KindRegistry;
  /** Default: no record limit and 64 MiB per object (it is read whole into the function's memory). */
  limits?: Partial<IngestLimits>;
}

export type ObjectOutcome =
  | { status: 'ingested'; summary: string; rejects?: string; result: IngestResult }
  | { status: 'skipped'; reason: string };

const OBJECT_LIMITS: IngestLimits = { maxBodyBytes: 64 * 1024 * 1024, maxRecords: Infinity };

export async function ingestObject(name: string, deps: ObjectIngestDeps): Promise<ObjectOutcome> {
  if (!name.startsWith(INGEST_PREFIX)) return { status: 'skipped', reason: `not under ${INGEST_PREFIX}` };
  const relative = name.slice(INGEST_PREFIX.length);
  const format = formatOfName(name);
  if (format !== 'ndjson' && format !== 'csv')
    return { status: 'skipped', reason: 'not .ndjson, .jsonl or .csv' };
  const slash = relative.indexOf('/');
  const kindName = slash > 0 ? relative.slice(0, slash) : undefined;
  const kind = kindName ? deps.kinds.get(kindName) : undefined;
  const summaryName = `${RESULTS_PREFIX}${relative}.summary.json`;
  if (!kind) {
    // Worth a summary: the sender should learn why nothing happened.
    const error = `No declared kind for "${name}": put files under ${INGEST_PREFIX}<Kind>/ with Kind one of ${deps.kinds.names().join(', ')}.`;
    await deps.incoming.put(summaryName, JSON.stringify({ object: name, error }, null, 2) + '\n', {
      contentType: 'application/json',
    });
    return { status: 'skipped', reason: error };
  }
  const limits = { ...OBJECT_LIMITS, ...deps.limits };
  let result: IngestResult;
  try {
    // The size is checked before the download, so an oversized object costs no memory.
    const info = await deps.incoming.stat(name);
    if (!info) return { status: 'skipped', reason: 'the object no longer exists' };
    checkBodySize(info.size, limits, `The object ${name}`);
    const text = (await deps.incoming.get(name)).toString('utf8');
    result = await ingest(deps.store, kind, text, {
      format,
      storeGood: true,
      source: name,
      limits,
    });
  } catch (err) {
    // Too large an object: no redelivery can fix it, so say so in the summary and move on.
    if (!(err instanceof IngestError)) throw err;
    await deps.incoming.put(
      summaryName,
      JSON.stringify({ object: name, error: err.message }, null, 2) + '\n',
      {
        contentType: 'application/json',
      },
    );
    return { status: 'skipped', reason: err.message };
  }
  let rejects: string | undefined;
  if (result.rejected.length > 0) {
    rejects = `${RESULTS_PREFIX}${relative}.rejects.ndjson`;
    await deps.incoming.put(rejects, result.rejected.map((r) => JSON.stringify(r)).join('\n') + '\n', {
      contentType: 'application/x-ndjson',
    });
  }
  const summary = {
    object: name,
    kind: kind.kind,
    stored: result.stored,
    rejected: result.rejected.length,
    commits: result.commits,
    ...(rejects ? { rejects } : {}),
  };
  await deps.incoming.put(summaryName, JSON.stringify(summary, null, 2) + '\n', {
    contentType: 'application/json',
  });
  return { status: 'ingested', summary: summaryName, ...(rejects ? { rejects } : {}), result };
}
