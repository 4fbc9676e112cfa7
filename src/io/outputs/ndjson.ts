// NDJSON files for people and other tools: tasks write attempt-scoped parts, and finalize copies
// the committed ones, in task order, to results/<job>/<runId>/<output>/part-00000.ndjson, …
// Copies are create-only and skipped when present, so a redelivered finalize changes nothing.

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
    const files: string[] = [];
    for (const [i, part] of ctx.parts.entries()) {
      const name = `${folder}part-${String(i).padStart(5, '0')}.ndjson`;
      files.push(name);
      if (await ctx.blobs.stat(name)) continue; // copied by an earlier finalize of this run
      await ctx.blobs.put(name, ctx.blobs.read(part.name), {
        createOnly: true,
        contentType: 'application/x-ndjson',
      });
    }
    return {
      target: `${ctx.blobs.location}/${folder}`,
      rows: ctx.parts.reduce((sum, p) => sum + p.records, 0),
      files,
    };
  },
};
