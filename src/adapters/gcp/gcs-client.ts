// One way to build the Cloud Storage client and to read objects, shared by GcsBlobStore (the
// engine's working area) and GcsInputFiles (user input).

import { EventEmitter } from 'node:events';
import { IdempotencyStrategy, Storage } from '@google-cloud/storage';
import type { File } from '@google-cloud/storage';
import { ConfigError, NonRetryableError } from '../../core/errors.ts';
import type { ByteRange } from '../../ports/blob-store.ts';
import { backendError, httpStatus } from './backend-errors.ts';

export interface StorageClientOptions {
  projectId?: string;
  /** e.g. "http://127.0.0.1:4443" for a fake; the client then sends no credentials. */
  apiEndpoint?: string;
  /** Retries of 408/429/5xx per request (the client backs off exponentially from ~1 s). */
  maxRetries?: number;
}

export function createStorage(options: StorageClientOptions): Storage {
  const maxRetries = options.maxRetries ?? 4;
  return new Storage({
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    retryOptions: {
      // The client reads maxRetries 0 as "use the default", so zero retries means autoRetry off.
      autoRetry: maxRetries > 0,
      maxRetries,
      // Our object names are attempt-scoped and create-only puts are checked after a 412, so
      // repeating any request is safe; the default strategy would not retry plain overwrites.
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}

export function checkRange(label: string, range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new ConfigError(
      `Invalid byte range [${start}, ${end}) for ${label}: start and end must be integers with ` +
        '0 <= start <= end (end exclusive).',
    );
  }
}

export function notFound(label: string, cause: unknown): NonRetryableError {
  return new NonRetryableError(
    `Object ${label} not found. Only read objects named in committed task records or listed inputs; ` +
      'a missing one was deleted (run cleanup) or never written.',
    { cause },
  );
}

/**
 * Streams an object or the [start, end) range of it. GCS ranges are inclusive, and a range past
 * the end comes back short (or as 416), so the byte count is checked: a short read is an error,
 * never silently truncated data.
 */
export async function* readObject(file: File, label: string, range?: ByteRange): AsyncIterable<Buffer> {
  if (range) {
    checkRange(label, range);
    if (range.start === range.end) {
      // GCS cannot express an empty range; still fail for a missing object, like a real read.
      const [exists] = await file.exists().catch((err: unknown) => {
        throw backendError(err, `Reading ${label}`);
      });
      if (!exists) throw notFound(label, undefined);
      return;
    }
  }
  const stream = range
    ? file.createReadStream({ start: range.start, end: range.end - 1 })
    : file.createReadStream();
  stream.once('response', allowPipedTwice);
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (err) {
    const status = httpStatus(err);
    if (status === 404) throw notFound(label, err);
    if (status === 416 && range) throw pastEnd(label, range, 0);
    throw backendError(err, `Reading ${label}`);
  } finally {
    stream.destroy();
  }
  if (range && bytes < range.end - range.start) throw pastEnd(label, range, range.start + bytes);
}

/**
 * The client (teeny-request 11 under @google-cloud/storage 8) pipes each download's response body
 * into two pipelines, its own and the storage client's, which with node-fetch's own listeners puts
 * 11 'error' and 11 'close' listeners on that one stream: one over Node's default limit of 10, so a
 * MaxListenersExceededWarning for every download longer than one chunk. The count is fixed per
 * response and the listeners go when it ends, so it is not a leak (reported upstream as
 * googleapis/google-cloud-node#9185). The body is emitted as 'response' before either pipeline is
 * attached; raising the limit of that one stream silences only this.
 */
function allowPipedTwice(response: unknown): void {
  if (response instanceof EventEmitter && response.getMaxListeners() < RESPONSE_MAX_LISTENERS) {
    response.setMaxListeners(RESPONSE_MAX_LISTENERS);
  }
}

const RESPONSE_MAX_LISTENERS = 20;

function pastEnd(label: string, range: ByteRange, size: number): NonRetryableError {
  const what = size > 0 ? `the object's ${size} bytes` : 'the object';
  return new NonRetryableError(
    `Byte range [${range.start}, ${range.end}) of ${label} ends past ${what}; ` +
      'ranges must come from the partition index written with the object.',
  );
}
