// BlobStore: where intermediate (shuffle) objects and output parts live. Cloud Storage in the
// cloud (GcsBlobStore), a directory locally (FileBlobStore). Names are '/'-separated relative paths.

export type BlobData = Buffer | Uint8Array | string | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /**
   * Create only if absent (GCS `ifGenerationMatch: 0`). When the name exists the store leaves it
   * untouched and returns `{ created: false }`: a duplicate attempt lost the race, which is normal.
   */
  createOnly?: boolean;
  contentType?: string;
}

export interface BlobInfo {
  name: string;
  size: number;
}

/** Byte range, `end` exclusive (adapters translate to inclusive HTTP ranges). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  /** Where this store points, for messages: "file:///abs/dir" or "gs://bucket/prefix". */
  readonly location: string;
  put(name: string, data: BlobData, options?: PutOptions): Promise<{ created: boolean; size: number }>;
  get(name: string): Promise<Buffer>;
  /** Streams an object, or a byte range of it. */
  read(name: string, range?: ByteRange): AsyncIterable<Buffer>;
  stat(name: string): Promise<BlobInfo | undefined>;
  /** Lists objects whose name starts with `prefix`, in name order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  delete(name: string): Promise<void>;
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}
