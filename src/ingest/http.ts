// The ingest HTTP endpoint as a plain function of a request, so the core decides every status and
// message and the function wrapper (functions/ingest) only moves bytes:
//   POST /?kind=Tweet (or header X-Cloudreduce-Kind) with a JSON array, NDJSON or CSV body, the
//   format named by its Content-Type
//   → 200 { kind, stored, commits } | 400 { error, rejected: [{ line, problems }] } | 413 | 404 | 405
//     | 415 (no or another Content-Type), every answer a JSON object.

import type { EntityStore } from '../ports/entity-store.ts';
import { checkBodySize, ingest, IngestError, type IngestLimits } from './ingest.ts';
import type { KindRegistry } from './kinds.ts';
import type { Format } from './parse.ts';

export const KIND_HEADER = 'x-cloudreduce-kind';

/** The Content-Types ingest reads, and the format each names. */
export const ACCEPTED_TYPES: ReadonlyMap<string, Format> = new Map([
  ['application/json', 'json'],
  ['application/x-ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['text/csv', 'csv'],
]);

const ACCEPTED =
  'application/json (a JSON array of records), application/x-ndjson or application/jsonl (one JSON ' +
  'record a line) or text/csv (a header line, then one record a line)';

export interface IngestRequest {
  method: string;
  /** The ?kind= query parameter, if any. */
  kind?: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer | string | undefined;
}

export interface IngestResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface IngestHttpDeps {
  store: EntityStore;
  kinds: KindRegistry;
  limits?: Partial<IngestLimits>;
}

export async function handleIngestRequest(req: IngestRequest, deps: IngestHttpDeps): Promise<IngestResponse> {
  if (req.method !== 'POST')
    return fail(405, `Use POST with a JSON array, NDJSON or CSV body; got ${req.method}.`);
  const kindName = req.kind ?? header(req.headers, KIND_HEADER);
  if (!kindName) return fail(400, `Name the kind: ?kind=Tweet or the ${KIND_HEADER} header.`);
  const kind = deps.kinds.get(kindName);
  if (!kind)
    return fail(404, `Unknown kind "${kindName}"; this endpoint ingests ${deps.kinds.names().join(', ')}.`);
  const contentType = header(req.headers, 'content-type');
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const format = type === undefined ? undefined : ACCEPTED_TYPES.get(type);
  if (format === undefined) {
    const got = type ? `Content-Type ${type} is not accepted` : 'The request has no Content-Type';
    return fail(415, `${got}; send ${ACCEPTED}.`);
  }
  const text = typeof req.body === 'string' ? req.body : (req.body ?? Buffer.alloc(0)).toString('utf8');
  try {
    // Checked on the bytes before parsing, so an oversized body costs no JSON work.
    checkBodySize(Buffer.byteLength(text), deps.limits);
    if (text.trim() === '')
      return fail(400, 'The body is empty; send a JSON array, NDJSON records or CSV with a header line.');
    const result = await ingest(deps.store, kind, text, {
      format,
      source: 'the request body',
      ...(deps.limits ? { limits: deps.limits } : {}),
    });
    return { status: 200, body: { kind: kind.kind, stored: result.stored, commits: result.commits } };
  } catch (err) {
    if (err instanceof IngestError) {
      const body: Record<string, unknown> = { error: err.message };
      if (err.rejected.length > 0)
        body.rejected = err.rejected.map(({ line, problems }) => ({ line, problems }));
      return { status: err.status, body };
    }
    throw err;
  }
}

function header(headers: IngestRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function fail(status: number, error: string): IngestResponse {
  return { status, body: { error } };
}
