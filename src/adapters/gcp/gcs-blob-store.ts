// GcsBlobStore: the engine's working area (shuffle objects, output parts) in a Cloud Storage bucket,
// under an optional prefix. Small puts go in one request; streams and big buffers use a resumable
// upload sent in chunks, so a failed chunk is retried without restarting the object. Create-only
// puts use `ifGenerationMatch: 0`, the GCS "create if absent" precondition.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '@google-cloud/storage';
import { ConfigError, TransientError } from '../../core/errors.ts';
import type { BlobData, BlobInfo, BlobStore, ByteRange, PutOptions } from '../../ports/blob-store.ts';
import { backendError, httpStatus } from './backend-errors.ts';
import { createStorage, readObject } from './gcs-client.ts';
import type { StorageClientOptions } from './gcs-client.ts';

export interface GcsBlobStoreOptions extends StorageClientOptions {
  bucket: string;
  /** Object names are stored under this prefix ("cloudreduce" → "cloudreduce/<name>"). */
  prefix?: string;
  /** Share a client between adapters; when set, projectId/apiEndpoint/maxRetries are ignored. */
  storage?: Storage;
  /** Data up to this size is sent in one request; larger data uses a resumable upload. */
  resumableThresholdBytes?: number;
  /** Bytes per request of a resumable upload (a multiple of 256 KiB). */
  chunkBytes?: number;
  /** Parallel deletes in deletePrefix. */
  deleteConcurrency?: number;
}

const DEFAULT_THRESHOLD_BYTES = 8 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const LIST_PAGE_SIZE = 1000;

interface Written {
  size: number;
  md5: string;
}

export class GcsBlobStore implements BlobStore {
  readonly location: string;
  readonly #storage: Storage;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #thresholdBytes: number;
  readonly #chunkBytes: number;
  readonly #deleteConcurrency: number;

  constructor(options: GcsBlobStoreOptions) {
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(options.bucket)) {
      throw new ConfigError(
        `Invalid bucket name ${JSON.stringify(options.bucket)}: bucket names are 3-222 lowercase letters, ` +
          'digits, dots, dashes and underscores, starting and ending with a letter or digit.',
      );
    }
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.#storage = options.storage ?? createStorage(options);
    this.#bucket = options.bucket;
    this.#prefix = prefix ? `${prefix}/` : '';
    this.location = `gs://${options.bucket}${prefix ? `/${prefix}` : ''}`;
    this.#thresholdBytes = options.resumableThresholdBytes ?? DEFAULT_THRESHOLD_BYTES;
    this.#chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.#deleteConcurrency = options.deleteConcurrency ?? 16;
  }

  async put(
    name: string,
    data: BlobData,
    options: PutOptions = {},
  ): Promise<{ created: boolean; size: number }> {
    const file = this.#file(name);
    const createOnly = options.createOnly === true;
    const common = {
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...(createOnly ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    };
    // What we sent, once known: a create-only 412 compares it with the stored object.
    let ours: Written | undefined;
    try {
      const head = typeof data === 'string' || data instanceof Uint8Array ? Buffer.from(data) : undefined;
      const source = head ?? (await readUpTo(data as AsyncIterable<Uint8Array>, this.#thresholdBytes));
      if (Buffer.isBuffer(source) && source.length <= this.#thresholdBytes) {
        ours = { size: source.length, md5: md5(source) };
        await file.save(source, { ...common, resumable: false });
        return { created: true, size: ours.size };
      }
      let size = 0;
      const hash = createHash('md5');
      const counted = async function* (
        chunks: AsyncIterable<Uint8Array> | Buffer[],
      ): AsyncIterable<Uint8Array> {
        for await (const chunk of chunks) {
          size += chunk.byteLength;
          hash.update(chunk);
          yield chunk;
        }
        ours = { size, md5: hash.digest('base64') };
      };
      const upload = file.createWriteStream({ ...common, resumable: true, chunkSize: this.#chunkBytes });
      await pipeline(Readable.from(counted(Buffer.isBuffer(source) ? [source] : source)), upload);
      return { created: true, size };
    } catch (err) {
      if (createOnly && httpStatus(err) === 412) return this.#lostRace(name, ours);
      throw backendError(err, `Writing ${this.#label(name)}`);
    }
  }

  async get(name: string): Promise<Buffer> {
    // Through readObject rather than file.download(): the same errors, and no listener warning.
    const chunks: Buffer[] = [];
    for await (const chunk of this.read(name)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  read(name: string, range?: ByteRange): AsyncIterable<Buffer> {
    return readObject(this.#file(name), this.#label(name), range);
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const [metadata] = await this.#file(name).getMetadata();
      return { name, size: Number(metadata.size ?? 0) };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw backendError(err, `Reading the metadata of ${this.#label(name)}`);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const bucket = this.#storage.bucket(this.#bucket);
    let pageToken: string | undefined;
    do {
      let files;
      let next: { pageToken?: string } | null;
      try {
        [files, next] = await bucket.getFiles({
          prefix: this.#prefix + prefix,
          autoPaginate: false,
          maxResults: LIST_PAGE_SIZE,
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (err) {
        throw backendError(err, `Listing ${this.location}/${prefix}*`);
      }
      for (const file of files) {
        yield { name: file.name.slice(this.#prefix.length), size: Number(file.metadata.size ?? 0) };
      }
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.#file(name).delete({ ignoreNotFound: true });
    } catch (err) {
      throw backendError(err, `Deleting ${this.#label(name)}`);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const names: string[] = [];
    for await (const info of this.list(prefix)) names.push(info.name);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) await this.delete(names[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.#deleteConcurrency, names.length) }, worker));
    return names.length;
  }

  /**
   * A create-only put got 412: the name exists. The client retries create-only uploads, so the
   * object may be our own earlier try whose response was lost; identical bytes count as ours
   * (an identical duplicate is just as good), anything else lost the race.
   */
  async #lostRace(name: string, ours: Written | undefined): Promise<{ created: boolean; size: number }> {
    let metadata;
    try {
      [metadata] = await this.#file(name).getMetadata();
    } catch (err) {
      if (httpStatus(err) === 404) {
        throw new TransientError(
          `${this.#label(name)} was deleted while a create-only put raced for it; retry.`,
        );
      }
      throw backendError(err, `Reading the metadata of ${this.#label(name)}`);
    }
    const size = Number(metadata.size ?? 0);
    const same = ours !== undefined && ours.size === size && ours.md5 === metadata.md5Hash;
    return { created: same, size };
  }

  #file(name: string) {
    if (name === '' || name.startsWith('/')) {
      throw new ConfigError(
        `Invalid object name ${JSON.stringify(name)} for ${this.location}: names are non-empty relative ` +
          `'/'-separated paths such as "tmp/<runId>/0/map/00001/1".`,
      );
    }
    return this.#storage.bucket(this.#bucket).file(this.#prefix + name);
  }

  #label(name: string): string {
    return `"${name}" in ${this.location}`;
  }
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Reads a stream until it ends or passes `limit` bytes: a Buffer when it ended within the limit,
 * otherwise the chunks read so far followed by the rest of the stream.
 */
async function readUpTo(
  source: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<Buffer | AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return Buffer.concat(head);
    head.push(value);
    size += value.byteLength;
    if (size > limit) break;
  }
  return (async function* () {
    yield* head;
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) return;
      yield value;
    }
  })();
}
