// An earlier stage's output as input (`fromStage('count')`): the committed NDJSON parts that the
// stage's tasks wrote, one or more consecutive parts per split, read line by line.

import { ConfigError, InputError } from '../../core/errors.ts';
import type { StageRef } from '../../core/job.ts';
import type { InputReader } from '../types.ts';
import { scanLines } from './line-scanner.ts';

export interface StageSplitDescriptor {
  parts: string[];
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
  async *read(_spec, descriptor, env) {
    const parts = (descriptor as Partial<StageSplitDescriptor> | null)?.parts;
    if (!Array.isArray(parts)) {
      throw new ConfigError(
        `A stage input split must look like { parts: [names] }; got ${JSON.stringify(descriptor)?.slice(0, 200)}.`,
      );
    }
    for (const part of parts) {
      let n = 0;
      for await (const batch of scanLines(env.blobs.read(part), {
        start: 0,
        skipFirst: false,
        lastStart: Infinity,
      }))
        for (const text of batch.texts) {
          const lineNo = ++n;
          if (text.length === 0) continue;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (err) {
            // The engine wrote this part; a line that does not parse means the object was damaged.
            throw new InputError(
              `${part}:${lineNo}: an earlier stage's output part is not valid NDJSON (${(err as Error).message}); the intermediate data is damaged, run the job again.`,
              { file: part, line: lineNo },
              { cause: err },
            );
          }
          yield { value, position: () => `${part}:${lineNo}` };
        }
    }
  },
};
