// The NDJSON part writer behind every output: a task's records as NDJSON objects in the engine's
// BlobStore under attempt-scoped names, created only if absent, so a duplicate or late attempt
// never overwrites the parts another attempt committed. A new part starts every
// `maxRecordsPerPart` records. Records are buffered up to a few MB; a bigger part streams to the
// store while the task goes on writing, and `write` returns a promise when the store falls behind.

import { DEFAULTS } from '../../core/defaults.ts';
import { NonRetryableError } from '../../core/errors.ts';
import type { OutputContext, TaskOutputContext, TaskOutputWriter } from '../types.ts';
import { ChunkChannel } from './chunk-channel.ts';

export const DEFAULT_PART_BUFFER_BYTES = 4 * 1024 * 1024;

export interface PartWriterOptions {
  maxRecordsPerPart?: number;
  /** Bytes held in memory before a part starts streaming to the store. */
  bufferBytes?: number;
}

export interface WrittenPart {
  name: string;
  records: number;
}

/** Where the parts of one output of one stage live: "tmp/<runId>/<stage>/out/<output>/". */
export function partPrefix(ctx: OutputContext): string {
  return `tmp/${ctx.runId}/${ctx.stageName}/out/${ctx.outputName}/`;
}

export function partName(ctx: TaskOutputContext, index: number): string {
  return `${partPrefix(ctx)}${ctx.taskId}-a${ctx.attempt}-${String(index).padStart(4, '0')}.ndjson`;
}

interface OpenPart {
  index: number;
  name: string;
  records: number;
  lines: string[];
  bytes: number;
  channel?: ChunkChannel;
  put?: Promise<void>;
}

export class NdjsonPartWriter implements TaskOutputWriter {
  readonly #ctx: TaskOutputContext;
  readonly #maxRecords: number;
  readonly #bufferBytes: number;
  #current: OpenPart | undefined;
  #nextIndex = 0;
  #closed = false;
  #error: { error: unknown } | undefined;
  readonly #finished: (WrittenPart & { index: number })[] = [];
  readonly #inflight: Promise<void>[] = [];
  /** Every name this attempt may have created, for abort. */
  readonly #names: string[] = [];

  constructor(ctx: TaskOutputContext, options: PartWriterOptions = {}) {
    this.#ctx = ctx;
    this.#maxRecords = options.maxRecordsPerPart ?? DEFAULTS.maxRecordsPerPart;
    this.#bufferBytes = options.bufferBytes ?? DEFAULT_PART_BUFFER_BYTES;
  }

  write(record: unknown): void | Promise<void> {
    if (this.#error) throw this.#error.error;
    if (this.#closed) throw new Error(`Output "${this.#ctx.outputName}" was written after it was closed.`);
    const line = toNdjsonLine(record, this.#ctx.outputName);
    const part = (this.#current ??= this.#open());
    part.lines.push(line);
    part.bytes += line.length; // UTF-16 units: close enough for a memory bound
    part.records++;
    if (part.records >= this.#maxRecords) {
      this.#current = undefined;
      return this.#finish(part);
    }
    if (part.bytes >= this.#bufferBytes) return this.#stream(part);
    return undefined;
  }

  async close(): Promise<{ parts: WrittenPart[] }> {
    if (!this.#closed && this.#current) void this.#finish(this.#current);
    this.#current = undefined;
    this.#closed = true;
    await Promise.all(this.#inflight);
    if (this.#error) throw this.#error.error;
    return {
      parts: [...this.#finished]
        .sort((a, b) => a.index - b.index)
        .map(({ name, records }) => ({ name, records })),
    };
  }

  async abort(): Promise<void> {
    this.#closed = true;
    this.#current?.channel?.fail(new Error('the task was aborted'));
    this.#current = undefined;
    await Promise.all(this.#inflight);
    await Promise.all(
      this.#names.map((name) =>
        this.#ctx.blobs.delete(name).catch((err: unknown) => {
          this.#ctx.logger.warn(`could not delete aborted output part ${name}`, { error: String(err) });
        }),
      ),
    );
  }

  #open(): OpenPart {
    const index = this.#nextIndex++;
    return { index, name: partName(this.#ctx, index), records: 0, lines: [], bytes: 0 };
  }

  /** Moves the buffer into the part's stream, starting the upload on first use. */
  #stream(part: OpenPart): Promise<void> | undefined {
    if (!part.channel) {
      const channel = new ChunkChannel(this.#bufferBytes);
      part.channel = channel;
      part.put = this.#put(part.name, channel).catch((err: unknown) => {
        channel.fail(err);
        throw err;
      });
      this.#track(part.put);
    }
    const chunk = Buffer.from(part.lines.join(''));
    part.lines = [];
    part.bytes = 0;
    return part.channel.push(chunk);
  }

  #finish(part: OpenPart): Promise<void> {
    const done = (async () => {
      if (part.channel) {
        if (part.lines.length > 0) await this.#stream(part);
        part.channel.end();
        await part.put;
      } else {
        await this.#put(part.name, Buffer.from(part.lines.join('')));
      }
      this.#finished.push({ index: part.index, name: part.name, records: part.records });
    })();
    this.#track(done);
    return done;
  }

  async #put(name: string, data: Buffer | ChunkChannel): Promise<void> {
    this.#names.push(name);
    const result = await this.#ctx.blobs.put(name, data, {
      createOnly: true,
      contentType: 'application/x-ndjson',
    });
    // The name is this attempt's own (every claim gets a new attempt number, and an attempt writes
    // each part once), so an existing object is this very write: the store applied it, lost the
    // answer and the client's retry found it. Failing here would spend an attempt on nothing.
    if (!result.created)
      this.#ctx.logger.debug(`output part ${name} was already written by this attempt (a retried upload)`);
  }

  /** Keeps failures for close() and write(), and marks the promise handled (callers may drop it). */
  #track(promise: Promise<void>): void {
    this.#inflight.push(
      promise.catch((error: unknown) => {
        this.#error ??= { error };
      }),
    );
  }
}

export function toNdjsonLine(record: unknown, output: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(record);
  } catch (err) {
    throw new NonRetryableError(
      `Output "${output}": a record cannot be written as JSON (${(err as Error).message}). Records must be JSON values: convert BigInt to strings and remove circular references.`,
      { cause: err },
    );
  }
  if (json === undefined) {
    throw new NonRetryableError(
      `Output "${output}": cannot write ${typeof record === 'function' ? 'a function' : String(record)} as a record. Emit an object (or another JSON value).`,
    );
  }
  return json + '\n';
}
