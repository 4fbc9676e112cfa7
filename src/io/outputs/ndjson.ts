// NDJSON files for people and other tools: tasks write attempt-scoped parts, and finalize copies
// the committed ones, in task order, to results/<job>/<runId>/<output>/part-00000.ndjson, …
// Copies are create-only, and a redelivered finalize starts after the engine's checkpoint and
// skips the copies that a dead delivery made past it, so nothing is copied twice.

import { ConfigError } from '../../core/errors.ts';
import type { FinalizeContext, OutputWriter } from '../types.ts';
import { NdjsonPartWriter } from './part-writer.ts';

export interface NdjsonOutputSpec {
  readonly type: 'ndjson';
  /** Folder name under results/<job>/<runId>/ (default: the output's name). */
  readonly name?: string;
}

const FOLDER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function ndjsonOutput(options: { name?: string } = {}): NdjsonOutputSpec {
  const spec: NdjsonOutputSpec = { type: 'ndjson', ...options };
  ndjsonWriter.validate!(spec);
  return spec;
}

export function resultsFolder(
  spec: NdjsonOutputSpec,
  ctx: Pick<FinalizeContext, 'job' | 'runId' | 'outputName'>,
): string {
  return `results/${ctx.job}/${ctx.runId}/${spec.name ?? ctx.outputName}/`;
}

export const ndjsonWriter: OutputWriter<NdjsonOutputSpec> = {
  type: 'ndjson',
  validate(spec) {
    if (spec.name !== undefined && (typeof spec.name !== 'string' || !FOLDER.test(spec.name))) {
      throw new ConfigError(
        `NDJSON output name ${JSON.stringify(spec.name)} is not valid: it becomes a folder name, so use letters, digits, '.', '_' and '-' (at most 128, not starting with '.' or '-').`,
      );
    }
  },
  open: (_spec, ctx) => new NdjsonPartWriter(ctx),
  async finalize(spec, ctx) {
    const folder = resultsFolder(spec, ctx);
    const files = ctx.parts.map((_, i) => `${folder}part-${String(i).padStart(5, '0')}.ndjson`);
    // From the checkpoint on. The first parts after it may have been copied by a delivery that died
    // before recording them: look before copying, until the first one that is missing.
    let unsure = true;
    for (let i = ctx.published; i < ctx.parts.length; i++) {
      const name = files[i]!;
      unsure &&= (await ctx.blobs.stat(name)) !== undefined;
      // Create-only: a concurrent delivery's copy of the same part is left as it is.
      if (!unsure)
        await ctx.blobs.put(name, ctx.blobs.read(ctx.parts[i]!.name), {
          createOnly: true,
          contentType: 'application/x-ndjson',
        });
      await ctx.progress(i + 1);
    }
    return {
      target: `${ctx.blobs.location}/${folder}`,
      rows: ctx.parts.reduce((sum, p) => sum + p.records, 0),
      files,
    };
  },
};
