// The engine's own output: a stage that declares none (or the rejects of a skip-and-count stage)
// keeps its records in NDJSON parts that later stages read with fromStage. Nothing to publish.

import type { OutputWriter } from '../types.ts';
import { NdjsonPartWriter, partPrefix } from './part-writer.ts';

export interface PartsOutputSpec {
  readonly type: 'parts';
}

export const partsWriter: OutputWriter<PartsOutputSpec> = {
  type: 'parts',
  open: (_spec, ctx) => new NdjsonPartWriter(ctx),
  async finalize(_spec, ctx) {
    return {
      target: `${ctx.blobs.location}/${partPrefix(ctx)}`,
      rows: ctx.parts.reduce((sum, p) => sum + p.records, 0),
    };
  },
};
