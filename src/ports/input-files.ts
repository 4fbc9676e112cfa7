// InputFiles: where text/NDJSON/CSV input comes from. Local paths and globs locally; gs:// URIs and
// prefixes/wildcards in the cloud. Kept apart from BlobStore because inputs are user data anywhere,
// while the BlobStore is the engine's own working area.

import type { ByteRange } from './blob-store.ts';

export interface InputFile {
  /** Stable identifier used in split descriptors and error messages (a path or a gs:// URI). */
  uri: string;
  size: number;
}

export interface InputFiles {
  /** Expands paths and globs; a pattern that matches nothing is a ConfigError naming it. */
  expand(patterns: readonly string[]): Promise<InputFile[]>;
  read(uri: string, range?: ByteRange): AsyncIterable<Buffer>;
}
