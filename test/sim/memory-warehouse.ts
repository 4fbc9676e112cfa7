// An in-memory Warehouse for the simulator: a load reads its NDJSON sources from the blob store and
// replaces (truncate) or extends (append) a table atomically, once per load id, like BigQuery.
// A missing source fails the load, as BigQuery does: that is how lost committed output shows.

import type { LoadRequest, LoadResult, Row, Warehouse } from '../../src/ports/warehouse.ts';
import type { MemoryBlobStore } from './memory-blob-store.ts';

export class MemoryWarehouse implements Warehouse {
  readonly tables = new Map<string, Row[]>();
  readonly #loads = new Map<string, number>();
  readonly #blobs: MemoryBlobStore;

  constructor(blobs: MemoryBlobStore) {
    this.#blobs = blobs;
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    return this.loadNow(request);
  }

  loadNow(request: LoadRequest): LoadResult {
    const seen = this.#loads.get(request.jobId);
    if (seen !== undefined) return { rows: seen, loaded: false };
    const rows: Row[] = [];
    for (const source of request.sources) {
      const text = this.#blobs.getNow(source).toString('utf8');
      for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as Row);
    }
    const before = this.tables.get(request.table) ?? [];
    if (request.writeDisposition === 'WRITE_APPEND') this.tables.set(request.table, [...before, ...rows]);
    else if (request.partition === undefined) this.tables.set(request.table, rows);
    else {
      const column = request.schema.partitionBy!;
      const day = (r: Row) => String(r[column]).slice(0, 10);
      this.tables.set(request.table, [...before.filter((r) => day(r) !== request.partition), ...rows]);
    }
    this.#loads.set(request.jobId, rows.length);
    return { rows: rows.length, loaded: true };
  }

  async query(sql: string): Promise<Row[]> {
    return this.queryNow(sql);
  }

  queryNow(sql: string): Row[] {
    const table = /^SELECT \* FROM "([^"]+)"$/.exec(sql)?.[1];
    if (table === undefined)
      throw new Error(`the simulator's warehouse answers only SELECT * FROM "t"; got ${sql}`);
    return structuredClone(this.tables.get(table) ?? []);
  }
}
