// In-memory InputFiles for the simulator: exact paths and `*` globs over a map of files that the
// world may change while a run plans (a file lands between two listings).

import { ConfigError } from '../../src/core/errors.ts';
import type { ByteRange } from '../../src/ports/blob-store.ts';
import type { InputFile, InputFiles } from '../../src/ports/input-files.ts';

export class MemoryInputFiles implements InputFiles {
  readonly files = new Map<string, Buffer>();

  async expand(patterns: readonly string[]): Promise<InputFile[]> {
    return this.expandNow(patterns);
  }

  expandNow(patterns: readonly string[]): InputFile[] {
    const found = new Map<string, InputFile>();
    for (const pattern of patterns) {
      const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const matched = [...this.files.keys()].filter((uri) => re.test(uri)).sort();
      if (matched.length === 0)
        throw new ConfigError(`Input "${pattern}" matched no files (simulated file system).`);
      for (const uri of matched) found.set(uri, { uri, size: this.files.get(uri)!.length });
    }
    return [...found.values()];
  }

  readNow(uri: string, range?: ByteRange): Buffer {
    const data = this.files.get(uri);
    if (!data) throw new Error(`No input file ${uri} (simulated file system)`);
    return data.subarray(range?.start ?? 0, Math.min(range?.end ?? data.length, data.length));
  }

  async *read(uri: string, range?: ByteRange): AsyncIterable<Buffer> {
    yield this.readNow(uri, range);
  }
}
