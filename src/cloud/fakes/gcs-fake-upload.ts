// Uploads in the GCS fake: uploadType=media, multipart and resumable (sessions, chunks, status
// queries), as @google-cloud/storage sends them.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GcsFakeStore, Preconditions } from './gcs-fake-store.ts';
import { objectResource } from './gcs-fake-store.ts';
import { HttpError, readBody, sendJson } from './http-util.ts';

interface Session {
  bucket: string;
  name: string;
  contentType: string | undefined;
  pre: Preconditions;
  chunks: Buffer[];
  received: number;
}

export class GcsFakeUploads {
  private readonly sessions = new Map<string, Session>();
  private readonly store: GcsFakeStore;
  private readonly endpoint: () => string;

  constructor(store: GcsFakeStore, endpoint: () => string) {
    this.store = store;
    this.endpoint = endpoint;
  }

  /** POST /upload/storage/v1/b/:bucket/o */
  async insert(req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    this.store.bucket(bucket);
    const pre = preconditions(url);
    const uploadType = url.searchParams.get('uploadType') ?? 'media';
    if (uploadType === 'media') {
      const name = url.searchParams.get('name') ?? '';
      const data = await readBody(req);
      this.finish(res, bucket, name, data, header(req, 'content-type'), pre);
    } else if (uploadType === 'multipart') {
      const parts = parseMultipart(await readBody(req), header(req, 'content-type') ?? '');
      const [meta, media] = parts;
      if (!meta || !media)
        throw new HttpError(400, 'invalid', 'multipart upload needs metadata and media parts');
      const metadata = JSON.parse(meta.body.toString('utf8')) as { name?: string; contentType?: string };
      const name = metadata.name ?? url.searchParams.get('name') ?? '';
      this.finish(res, bucket, name, media.body, metadata.contentType ?? media.contentType, pre);
    } else if (uploadType === 'resumable') {
      const body = await readBody(req);
      const metadata = (body.length ? JSON.parse(body.toString('utf8')) : {}) as {
        name?: string;
        contentType?: string;
      };
      const name = url.searchParams.get('name') ?? metadata.name ?? '';
      if (!name) throw new HttpError(400, 'required', 'Required: object name');
      // GCS checks preconditions when the session starts and again when it completes.
      this.store.checkPreconditions(bucket, name, pre);
      const id = randomUUID();
      const contentType = metadata.contentType ?? header(req, 'x-upload-content-type');
      this.sessions.set(id, { bucket, name, contentType, pre, chunks: [], received: 0 });
      const location = `${this.endpoint()}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}`;
      res.writeHead(200, { Location: location, 'Content-Length': 0 });
      res.end();
    } else {
      throw new HttpError(400, 'invalidParameter', `Unsupported uploadType: ${uploadType}`);
    }
  }

  /** PUT to a session URI: a chunk, the final bytes, or a status query (`bytes *\/*`). */
  async chunk(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const id = url.searchParams.get('upload_id') ?? '';
    const session = this.sessions.get(id);
    const body = await readBody(req);
    if (!session) throw new HttpError(404, 'notFound', `No such upload session: ${id}`);
    const range = parseContentRange(header(req, 'content-range'));
    if (range.first !== undefined) {
      if (range.first > session.received) {
        throw new HttpError(400, 'invalid', `Chunk starts at ${range.first}, expected ${session.received}`);
      }
      // A retried chunk may overlap bytes already persisted: keep only the new tail.
      const fresh = body.subarray(session.received - range.first);
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    const complete = range.total !== undefined ? session.received >= range.total : range.last === undefined;
    if (!complete) {
      const headers: Record<string, string | number> = { 'Content-Length': 0 };
      if (session.received > 0) headers.Range = `bytes=0-${session.received - 1}`;
      res.writeHead(308, headers);
      res.end();
      return;
    }
    this.sessions.delete(id);
    const data = Buffer.concat(session.chunks);
    this.finish(res, session.bucket, session.name, data, session.contentType, session.pre);
  }

  /** DELETE of a session URI cancels it. */
  cancel(res: ServerResponse, url: URL): void {
    this.sessions.delete(url.searchParams.get('upload_id') ?? '');
    res.writeHead(499, { 'Content-Length': 0 });
    res.end();
  }

  private finish(
    res: ServerResponse,
    bucket: string,
    name: string,
    data: Buffer,
    contentType: string | undefined,
    pre: Preconditions,
  ): void {
    const obj = this.store.write(bucket, name, data, contentType, pre);
    sendJson(res, 200, objectResource(obj, this.endpoint()));
  }
}

function preconditions(url: URL): Preconditions {
  return {
    ifGenerationMatch: url.searchParams.get('ifGenerationMatch'),
    ifGenerationNotMatch: url.searchParams.get('ifGenerationNotMatch'),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `bytes FIRST-LAST/TOTAL`; LAST may be `*` (the rest of the stream ends the upload), TOTAL may be
 * `*` (more chunks follow), `bytes *\/TOTAL|*` asks for the status.
 */
function parseContentRange(value: string | undefined): { first?: number; last?: number; total?: number } {
  if (!value) return {};
  const m = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(value.trim());
  if (!m) throw new HttpError(400, 'invalid', `Bad Content-Range: ${value}`);
  const out: { first?: number; last?: number; total?: number } = {};
  if (m[2] !== undefined) out.first = Number(m[2]);
  if (m[3] !== undefined && m[3] !== '*') out.last = Number(m[3]);
  if (m[4] !== '*') out.total = Number(m[4]);
  if (m[1] === '*') out.last = -1; // status query: never completes the upload by itself
  return out;
}

interface Part {
  contentType: string | undefined;
  body: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'invalid', 'multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const raw = body.subarray(start, next);
    const headerEnd = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, headerEnd).toString('utf8');
    let content = raw.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1], body: content });
    pos = next;
  }
  return parts;
}
