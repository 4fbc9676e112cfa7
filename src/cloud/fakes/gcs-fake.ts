// An in-process fake of the Cloud Storage JSON API subset that @google-cloud/storage uses for
// buckets get/insert, object uploads (media, multipart, resumable), metadata, downloads with
// Range, listing with prefix/delimiter/pageToken, deletes, and bucket notifications as callbacks
// (`addNotification`; the dev cloud publishes them to Pub/Sub). Point the client at it with
// `new Storage({ apiEndpoint: fake.endpoint, projectId })`. What it does not emulate is listed in
// docs/testing-cloud.md.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { GcsFakeStore, bucketResource, objectResource } from './gcs-fake-store.ts';
import type { Notification, StoredObject } from './gcs-fake-store.ts';
import { GcsFakeUploads } from './gcs-fake-upload.ts';
import { HttpError, applyFault, listen, readJson, sendFailure, sendJson } from './http-util.ts';
import type { Fault } from './http-util.ts';

export interface GcsFake {
  /** Base URL for the client's `apiEndpoint`. */
  readonly endpoint: string;
  readonly store: GcsFakeStore;
  createBucket(name: string): void;
  putObject(bucket: string, name: string, data: Buffer | string): void;
  getObject(bucket: string, name: string): Buffer | undefined;
  /** Like a bucket's Pub/Sub notification config: `deliver` is called for each change. */
  addNotification(notification: Notification): void;
  /** The object resource (JSON API) of a stored object: a JSON_API_V1 notification's payload. */
  resourceOf(object: StoredObject): Record<string, unknown>;
  /** Answers the next `count` requests whose method and path match with `status` (429, 503…). */
  failNext(count: number, status: number, match?: (method: string, path: string) => boolean): void;
  /** Requests served so far, "METHOD path?query", for assertions on what the client sent. */
  readonly requests: string[];
  close(): Promise<void>;
}

const PAGE_SIZE_DEFAULT = 1000;

export async function startGcsFake(): Promise<GcsFake> {
  const store = new GcsFakeStore();
  const faults: Fault[] = [];
  const requests: string[] = [];
  let endpoint = '';
  const uploads = new GcsFakeUploads(store, () => endpoint);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (segments.slice(0, 4).join('/') === 'upload/storage/v1/b' && segments[5] === 'o') {
      const bucket = segments[4] ?? '';
      if (method === 'POST') return uploads.insert(req, res, bucket, url);
      if (method === 'PUT') return uploads.chunk(req, res, url);
      if (method === 'DELETE') return uploads.cancel(res, url);
    }
    if (segments.slice(0, 3).join('/') === 'storage/v1/b') {
      // /storage/v1/b[/BUCKET[/o[/OBJECT]]]; an object name may itself contain '/'.
      const [bucket, o, ...rest] = segments.slice(3);
      const object = rest.length ? rest.join('/') : undefined;
      if (bucket === undefined && method === 'POST') {
        const body = await readJson(req);
        store.createBucket(String(body.name ?? ''));
        return sendJson(res, 200, bucketResource(String(body.name)));
      }
      if (bucket !== undefined && o === undefined) {
        if (method === 'GET') {
          store.bucket(bucket);
          return sendJson(res, 200, bucketResource(bucket));
        }
        if (method === 'DELETE') {
          if (store.bucket(bucket).size > 0) throw new HttpError(409, 'conflict', 'The bucket is not empty.');
          store.buckets.delete(bucket);
          return noContent(res);
        }
      }
      if (bucket !== undefined && o === 'o' && object === undefined && method === 'GET') {
        return list(res, store.bucket(bucket), url, endpoint);
      }
      if (bucket !== undefined && o === 'o' && object !== undefined) {
        if (method === 'GET') {
          const obj = store.object(bucket, object);
          if (url.searchParams.get('alt') === 'media') return download(req, res, obj);
          return sendJson(res, 200, objectResource(obj, endpoint));
        }
        if (method === 'DELETE') {
          store.delete(bucket, object, {
            ifGenerationMatch: url.searchParams.get('ifGenerationMatch'),
            ifGenerationNotMatch: url.searchParams.get('ifGenerationNotMatch'),
          });
          return noContent(res);
        }
      }
    }
    throw new HttpError(501, 'notImplemented', `The GCS fake does not implement ${method} ${url.pathname}`);
  };

  const server = await listen((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (applyFault(faults, req, res)) return;
    route(req, res).catch((err: unknown) => sendFailure(res, err));
  });
  endpoint = server.endpoint;

  return {
    endpoint,
    store,
    requests,
    createBucket: (name) => store.createBucket(name),
    putObject: (bucket, name, data) => {
      store.write(bucket, name, Buffer.from(data), undefined, {});
    },
    getObject: (bucket, name) => store.buckets.get(bucket)?.get(name)?.data,
    addNotification: (notification) => store.notifications.push(notification),
    resourceOf: (object) => objectResource(object, endpoint),
    failNext: (count, status, match = () => true) => {
      faults.push({ count, status, match });
    },
    close: () => server.close(),
  };
}

function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

function list(res: ServerResponse, objects: Map<string, StoredObject>, url: URL, endpoint: string): void {
  const prefix = url.searchParams.get('prefix') ?? '';
  const delimiter = url.searchParams.get('delimiter') ?? '';
  const maxResults = Number(url.searchParams.get('maxResults') ?? PAGE_SIZE_DEFAULT) || PAGE_SIZE_DEFAULT;
  const after = url.searchParams.get('pageToken');
  const startAfter = after ? Buffer.from(after, 'base64url').toString('utf8') : undefined;
  const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort(compareUtf8);
  const items: Record<string, unknown>[] = [];
  const prefixes = new Set<string>();
  let nextPageToken: string | undefined;
  for (const name of names) {
    if (startAfter !== undefined && compareUtf8(name, startAfter) <= 0) continue;
    if (items.length + prefixes.size >= maxResults) {
      nextPageToken = Buffer.from(lastOf(items, prefixes), 'utf8').toString('base64url');
      break;
    }
    const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
    if (cut !== -1) prefixes.add(name.slice(0, cut + delimiter.length));
    else items.push(objectResource(objects.get(name)!, endpoint));
  }
  const body: Record<string, unknown> = { kind: 'storage#objects' };
  if (items.length) body.items = items;
  if (prefixes.size) body.prefixes = [...prefixes];
  if (nextPageToken) body.nextPageToken = nextPageToken;
  sendJson(res, 200, body);
}

function lastOf(items: Record<string, unknown>[], prefixes: Set<string>): string {
  const candidates = [...prefixes, ...items.map((i) => String(i.name))].sort(compareUtf8);
  const last = candidates[candidates.length - 1] ?? '';
  // Skip everything under a rolled-up prefix, not just the prefix string itself.
  return prefixes.has(last) ? last + '\uffff' : last;
}

/** GCS orders names by their UTF-8 bytes. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function download(req: IncomingMessage, res: ServerResponse, obj: StoredObject): void {
  const headers: Record<string, string | number> = {
    'Content-Type': obj.contentType,
    'x-goog-generation': String(obj.generation),
    'x-goog-metageneration': '1',
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': obj.data.length,
    'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
    'Accept-Ranges': 'bytes',
  };
  const range = req.headers.range;
  if (!range) {
    res.writeHead(200, { ...headers, 'Content-Length': obj.data.length });
    res.end(obj.data);
    return;
  }
  const size = obj.data.length;
  const m = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!m) throw new HttpError(400, 'invalid', `Bad Range header: ${range}`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2])); // suffix range: the last N bytes
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const slice = obj.data.subarray(start, end + 1);
  res.writeHead(206, {
    ...headers,
    'Content-Length': slice.length,
    'Content-Range': `bytes ${start}-${end}/${size}`,
  });
  res.end(slice);
}
