// The GCS fake's memory: buckets, objects with generations and the hashes the client validates.

import { createHash } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { HttpError } from './http-util.ts';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: number;
  contentType: string;
  created: string;
  md5Hash: string;
  crc32c: string;
}

export interface Preconditions {
  ifGenerationMatch?: string | null;
  ifGenerationNotMatch?: string | null;
}

/** What Cloud Storage would publish for a bucket's Pub/Sub notification config (JSON_API_V1). */
export interface Notification {
  bucket: string;
  /** Like the config's object_name_prefix: only objects under it notify. */
  objectNamePrefix?: string;
  /** Called after the change is visible, as GCS publishes after the write commits. */
  deliver(eventType: 'OBJECT_FINALIZE' | 'OBJECT_DELETE', object: StoredObject): void;
}

export class GcsFakeStore {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  readonly notifications: Notification[] = [];
  private nextGeneration = 1_700_000_000_000_000;

  createBucket(name: string): void {
    if (this.buckets.has(name)) throw new HttpError(409, 'conflict', `The bucket ${name} already exists.`);
    this.buckets.set(name, new Map());
  }

  bucket(name: string): Map<string, StoredObject> {
    const b = this.buckets.get(name);
    if (!b) throw new HttpError(404, 'notFound', `The specified bucket does not exist: ${name}`);
    return b;
  }

  object(bucket: string, name: string): StoredObject {
    const o = this.bucket(bucket).get(name);
    if (!o) throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
    return o;
  }

  /** Throws 412 (or 304) like GCS when a generation precondition fails. */
  checkPreconditions(bucket: string, name: string, pre: Preconditions): void {
    const current = this.bucket(bucket).get(name)?.generation ?? 0;
    if (pre.ifGenerationMatch != null && Number(pre.ifGenerationMatch) !== current) {
      throw new HttpError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
      );
    }
    if (pre.ifGenerationNotMatch != null && Number(pre.ifGenerationNotMatch) === current) {
      throw new HttpError(304, 'notModified', 'Not modified');
    }
  }

  write(
    bucket: string,
    name: string,
    data: Buffer,
    contentType: string | undefined,
    pre: Preconditions,
  ): StoredObject {
    if (!name) throw new HttpError(400, 'required', 'Required: object name');
    this.checkPreconditions(bucket, name, pre);
    const crc = new CRC32C();
    crc.update(data);
    const obj: StoredObject = {
      bucket,
      name,
      data,
      generation: this.nextGeneration++,
      contentType: contentType || 'application/octet-stream',
      created: new Date().toISOString(),
      md5Hash: createHash('md5').update(data).digest('base64'),
      crc32c: crc.toString(),
    };
    this.bucket(bucket).set(name, obj);
    this.#notify('OBJECT_FINALIZE', obj);
    return obj;
  }

  delete(bucket: string, name: string, pre: Preconditions): void {
    const obj = this.object(bucket, name);
    this.checkPreconditions(bucket, name, pre);
    this.bucket(bucket).delete(name);
    this.#notify('OBJECT_DELETE', obj);
  }

  #notify(eventType: 'OBJECT_FINALIZE' | 'OBJECT_DELETE', obj: StoredObject): void {
    for (const n of this.notifications)
      if (n.bucket === obj.bucket && obj.name.startsWith(n.objectNamePrefix ?? '')) n.deliver(eventType, obj);
  }
}

/** The JSON API's object resource, as the client expects it (numbers as strings). */
export function objectResource(o: StoredObject, endpoint: string): Record<string, unknown> {
  const path = `b/${o.bucket}/o/${encodeURIComponent(o.name)}`;
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${endpoint}/storage/v1/${path}`,
    mediaLink: `${endpoint}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.data.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: `${o.generation}`,
    timeCreated: o.created,
    updated: o.created,
    timeStorageClassUpdated: o.created,
  };
}

export function bucketResource(name: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: name,
    name,
    location: 'US',
    storageClass: 'STANDARD',
    metageneration: '1',
    timeCreated: new Date(0).toISOString(),
  };
}
