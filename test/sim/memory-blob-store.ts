// An in-memory BlobStore for the simulator, with GCS's create-only semantics (`ifGenerationMatch:
// 0`) and a generation per object. Data must be collected before the call (the simulated process
// does that while "uploading"), so `put` itself is one atomic step. Hooks let the simulator see
// every overwrite and delete.

import type { BlobData, BlobInfo, BlobStore, ByteRange, PutOptions } from '../../src/ports/blob-store.ts';

export class MemoryBlobStore implements BlobStore {
  readonly location = 'mem://blobs';
  readonly objects = new Map<string, { data: Buffer; generation: number }>();
  #generation = 0;
  onPut: (name: string, replaced: boolean) => void = () => {};
  onDelete: (name: string) => void = () => {};

  /** The generation the next write gets, less one: objects written so far have one up to it. */
  get generation(): number {
    return this.#generation;
  }

  async put(
    name: string,
    data: BlobData,
    options: PutOptions = {},
  ): Promise<{ created: boolean; size: number }> {
    const bytes = await collect(data);
    return this.putNow(name, bytes, options);
  }

  /** The atomic part of `put`, for a caller that has the bytes already. */
  putNow(name: string, bytes: Buffer, options: PutOptions = {}): { created: boolean; size: number } {
    const existing = this.objects.get(name);
    if (existing && options.createOnly) return { created: false, size: existing.data.length };
    this.objects.set(name, { data: bytes, generation: ++this.#generation });
    this.onPut(name, existing !== undefined);
    return { created: true, size: bytes.length };
  }

  async get(name: string): Promise<Buffer> {
    return this.getNow(name);
  }

  getNow(name: string, range?: ByteRange): Buffer {
    const object = this.objects.get(name);
    if (!object) throw new Error(`No object ${name} in ${this.location} (it was never written, or deleted)`);
    return range ? object.data.subarray(range.start, range.end) : object.data;
  }

  async *read(name: string, range?: ByteRange): AsyncIterable<Buffer> {
    yield this.getNow(name, range);
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    return this.statNow(name);
  }

  statNow(name: string): BlobInfo | undefined {
    const object = this.objects.get(name);
    return object && { name, size: object.data.length };
  }

  listNow(prefix: string): BlobInfo[] {
    return [...this.objects.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, o]) => ({ name, size: o.data.length }));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    yield* this.listNow(prefix);
  }

  async delete(name: string): Promise<void> {
    this.deleteNow(name);
  }

  deleteNow(name: string): void {
    if (this.objects.delete(name)) this.onDelete(name);
  }

  async deletePrefix(prefix: string): Promise<number> {
    return this.deletePrefixNow(prefix);
  }

  deletePrefixNow(prefix: string): number {
    const names = this.listNow(prefix).map((b) => b.name);
    for (const name of names) this.deleteNow(name);
    return names.length;
  }
}

export async function collect(data: BlobData): Promise<Buffer> {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return Buffer.from(data);
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
