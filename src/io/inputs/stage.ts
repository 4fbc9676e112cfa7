// An earlier stage's output as input (`fromStage('count')`): the committed NDJSON parts that the
// stage's tasks wrote, one or more consecutive parts per split, read line by line. A checkpoint is
// the parts left, the first one from a byte offset.

import { ConfigError, InputError } from '../../core/errors.ts';
import type { StageRef } from '../../core/job.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { recordsOf } from '../batches.ts';
import type { InputReader, RecordBatch } from '../types.ts';
import { scanLines } from './line-scanner.ts';

export interface StageSplitDescriptor {
  parts: string[];
  /** A checkpoint: parts[0] is read from this byte offset, the first byte of line `line`. */
  from?: { offset: number; line: number };
}

export const stageReader: InputReader<StageRef, unknown> = {
  type: 'stage',
  async split(spec, shards, ctx) {
    const parts = await ctx.stageOutputs(spec.stage, spec.output);
    const n = Math.min(Math.max(1, Math.floor(shards)), parts.length);
    return Array.from({ length: n }, (_, i) => {
      const group = parts.slice(Math.floor((i * parts.length) / n), Math.floor(((i + 1) * parts.length) / n));
      const what = `stage ${spec.stage}${spec.output ? ` output ${spec.output}` : ''}`;
      return {
        descriptor: { parts: group } satisfies StageSplitDescriptor,
        description: `${what}: ${group.length === 1 ? group[0] : `${group.length} parts from ${group[0]}`}`,
      };
    });
  },
  read: (_spec, descriptor, env) => recordsOf(stageBatches(descriptor, env.blobs)),
  readBatches: (_spec, descriptor, env) => stageBatches(descriptor, env.blobs),
};

async function* stageBatches(descriptor: unknown, blobs: BlobStore): AsyncGenerator<RecordBatch<unknown>> {
  const { parts, from } = (descriptor ?? {}) as Partial<StageSplitDescriptor>;
  if (!Array.isArray(parts)) {
    throw new ConfigError(
      `A stage input split must look like { parts: [names] }; got ${JSON.stringify(descriptor)?.slice(0, 200)}.`,
    );
  }
  for (const [p, part] of parts.entries()) {
    const start = p === 0 && from ? from : { offset: 0, line: 1 };
    let source: AsyncIterable<Buffer>;
    if (start.offset > 0) {
      const info = await blobs.stat(part);
      if (info && start.offset >= info.size) continue;
      // A missing part is read anyway, for the store's own "not found" error.
      source = blobs.read(part, info ? { start: start.offset, end: info.size } : undefined);
    } else source = blobs.read(part);
    let before = start.line - 1; // lines of the part before this batch
    for await (const batch of scanLines(source, {
      start: start.offset,
      skipFirst: false,
      lastStart: Infinity,
      // The engine wrote these records itself: no input limit applies.
      maxLineBytes: Infinity,
    })) {
      const base = before;
      before += batch.texts.length;
      const values: unknown[] = [];
      const lines: number[] = []; // values[i] came from batch line lines[i]
      for (let k = 0; k < batch.texts.length; k++) {
        const text = batch.texts[k]!;
        if (text.length === 0) continue;
        try {
          values.push(JSON.parse(text));
        } catch (err) {
          // The engine wrote this part; a line that does not parse means the object was damaged.
          const lineNo = base + 1 + k;
          throw new InputError(
            `${part}:${lineNo}: an earlier stage's output part is not valid NDJSON (${(err as Error).message}); the intermediate data is damaged, run the job again.`,
            { file: part, line: lineNo },
            { cause: err },
          );
        }
        lines.push(k);
      }
      if (values.length === 0) continue;
      yield {
        values,
        position: (i) => `${part}:${base + 1 + lines[i]!}`,
        resumeAfter: (i): StageSplitDescriptor => {
          const k = lines[i]!;
          const offset = k + 1 < batch.offsets.length ? batch.offsets[k + 1]! : batch.next;
          return { parts: parts.slice(p), from: { offset, line: base + 2 + k } };
        },
      };
    }
  }
}
