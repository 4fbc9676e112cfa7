// GcsInputFiles: job input in Cloud Storage, named by gs:// URIs. A pattern is one object
// ("gs://b/logs/a.ndjson"), a folder ("gs://b/logs/", every object under it) or a wildcard
// ("gs://b/logs/2024-*.ndjson"): `*` and `?` stay within one '/'-separated level, `**` crosses
// levels, as in gcloud storage. Listing starts at the text before the first wildcard, so a
// wildcard late in the pattern lists little.

import type { Storage } from '@google-cloud/storage';
import { ConfigError, InputError } from '../../core/errors.ts';
import type { ByteRange } from '../../ports/blob-store.ts';
import type { InputFile, InputFiles, PinnedFile } from '../../ports/input-files.ts';
import { backendError, httpStatus } from './backend-errors.ts';
import { createStorage, readObject } from './gcs-client.ts';
import type { StorageClientOptions } from './gcs-client.ts';

export interface GcsInputFilesOptions extends StorageClientOptions {
  /** Share a client between adapters; when set, projectId/apiEndpoint/maxRetries are ignored. */
  storage?: Storage;
}

const WILDCARD = /[*?]/;

export function parseGsUri(uri: string): { bucket: string; path: string } {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) {
    throw new ConfigError(
      `Input "${uri}" is not a Cloud Storage URI. In the cloud, inputs are gs://BUCKET/PATH, ` +
        'gs://BUCKET/FOLDER/ or wildcards such as "gs://BUCKET/logs/*.ndjson".',
    );
  }
  return { bucket: m[1], path: m[2] ?? '' };
}

export class GcsInputFiles implements InputFiles {
  readonly #storage: Storage;

  constructor(options: GcsInputFilesOptions = {}) {
    this.#storage = options.storage ?? createStorage(options);
  }

  async expand(patterns: readonly string[]): Promise<InputFile[]> {
    const byUri = new Map<string, InputFile>();
    for (const pattern of patterns) {
      const { bucket, path } = parseGsUri(pattern);
      const matches = await this.#expandOne(pattern, bucket, path);
      if (matches.length === 0) {
        throw new ConfigError(
          `Input "${pattern}" matched no objects. Check the bucket and path, or use a folder ` +
            `("gs://${bucket}/dir/") or a wildcard ("gs://${bucket}/dir/*.ndjson").`,
        );
      }
      for (const file of matches) byUri.set(file.uri, file);
    }
    return [...byUri.values()].sort((a, b) => Buffer.compare(Buffer.from(a.uri), Buffer.from(b.uri)));
  }

  /**
   * With `pinned`, reads the generation seen at planning: an object overwritten since (a new
   * generation; the old one is gone without versioning) fails with an InputError, not a mix.
   */
  async *read(uri: string, range?: ByteRange, pinned?: PinnedFile): AsyncIterable<Buffer> {
    const { bucket, path } = parseGsUri(uri);
    const generation = pinned?.version?.startsWith('generation:')
      ? Number(pinned.version.slice(11))
      : undefined;
    const file = this.#storage.bucket(bucket).file(path, generation !== undefined ? { generation } : {});
    try {
      yield* readObject(file, `"${uri}"`, range);
    } catch (err) {
      if (generation === undefined || (err as { name?: unknown }).name !== 'NonRetryableError') throw err;
      const [exists] = await this.#storage
        .bucket(bucket)
        .file(path)
        .exists()
        .catch(() => [false]);
      throw new InputError(
        `${uri} changed while the run was reading it: generation ${generation}, planned, is gone` +
          `${exists ? ' (the object was overwritten)' : ' (the object was deleted)'}. A run reads its inputs as ` +
          'they were when it started; upload the complete object and run the job again.',
        { file: uri },
        { cause: err },
      );
    }
  }

  async #expandOne(pattern: string, bucket: string, path: string): Promise<InputFile[]> {
    if (WILDCARD.test(path)) {
      const literal = path.slice(0, path.search(WILDCARD));
      const regex = globToRegExp(path);
      return (await this.#list(pattern, bucket, literal)).filter((f) =>
        regex.test(f.uri.slice(`gs://${bucket}/`.length)),
      );
    }
    if (path === '' || path.endsWith('/')) return this.#list(pattern, bucket, path);
    try {
      const [metadata] = await this.#storage.bucket(bucket).file(path).getMetadata();
      return [{ uri: `gs://${bucket}/${path}`, size: Number(metadata.size ?? 0), ...versionOf(metadata) }];
    } catch (err) {
      if (httpStatus(err) === 404) return [];
      throw backendError(err, `Looking up input "${pattern}"`);
    }
  }

  async #list(pattern: string, bucket: string, prefix: string): Promise<InputFile[]> {
    const files: InputFile[] = [];
    let pageToken: string | undefined;
    do {
      let page;
      let next: { pageToken?: string } | null;
      try {
        [page, next] = await this.#storage.bucket(bucket).getFiles({
          prefix,
          autoPaginate: false,
          maxResults: 1000,
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (err) {
        if (httpStatus(err) === 404)
          throw new ConfigError(`Input "${pattern}": bucket "${bucket}" does not exist.`);
        throw backendError(err, `Listing input "${pattern}"`);
      }
      for (const file of page) {
        // Zero-byte names ending in '/' are folder placeholders made by the console, not data.
        if (file.name.endsWith('/')) continue;
        files.push({
          uri: `gs://${bucket}/${file.name}`,
          size: Number(file.metadata.size ?? 0),
          ...versionOf(file.metadata),
        });
      }
      pageToken = next?.pageToken;
    } while (pageToken);
    return files;
  }
}

/** The object's generation, which a read then pins (GCS keeps one per content). */
function versionOf(metadata: { generation?: string | number }): { version?: string } {
  return metadata.generation === undefined ? {} : { version: `generation:${metadata.generation}` };
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
