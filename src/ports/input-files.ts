// InputFiles: where text/NDJSON/CSV input comes from. Local paths and globs locally; gs:// URIs and
// prefixes/wildcards in the cloud. Kept apart from BlobStore because inputs are user data anywhere,
// while the BlobStore is the engine's own working area.

import type { ByteRange } from './blob-store.ts';

export interface InputFile {
  /** Stable identifier used in split descriptors and error messages (a path or a gs:// URI). */
  uri: string;
  size: number;
  /**
   * Which content of the file this is: the modification time locally, the object's generation on
   * GCS. A run reads a snapshot: splits pin the size and version seen at planning, and a read of
   * another version fails (see `read`).
   */
  version?: string;
}

/** The file as planned: a read fails with an InputError when it is no longer this content. */
export interface PinnedFile {
  size: number;
  version?: string;
}

export interface ReadOptions {
  /**
   * The caller is done with each chunk before it asks for the next (it copies what it keeps): the
   * adapter may hand out the same memory every time. Reading into memory already touched saves
   * the page faults of a fresh buffer per chunk, a large part of a local read's cost.
   */
  reuseChunks?: boolean;
}

export interface InputFiles {
  /** Expands paths and globs; a pattern that matches nothing is a ConfigError naming it. */
  expand(patterns: readonly string[]): Promise<InputFile[]>;
  read(uri: string, range?: ByteRange, pinned?: PinnedFile, options?: ReadOptions): AsyncIterable<Buffer>;
}
