// Checks, before a run is created, that its first stage can start: the user's own mistakes (no
// --input for a job that reads files, a path or glob that matches nothing) are then refused with
// one line and exit code 2, like a bad --param, instead of becoming a FAILED run.

import { ConfigError } from '../core/errors.ts';
import type { Job } from '../core/job.ts';
import type { JobMessage } from '../core/messages.ts';
import { buildRun } from '../core/split.ts';
import { resolveInput } from '../core/stage.ts';
import type { InputFiles } from '../ports/input-files.ts';

/** File inputs that take their paths from --input: what they read, with an example glob. */
const FILE_INPUT_EXAMPLES: Record<string, { kind: string; example: string }> = {
  text: { kind: 'text', example: 'books/*.txt' },
  'text-blocks': { kind: 'text', example: 'books/*.txt' },
  ndjson: { kind: 'ndjson', example: 'orders/*.ndjson' },
  csv: { kind: 'csv', example: 'data/*.csv' },
};

/**
 * Resolves the first stage's input as the run would and, for a file input, expands its paths with
 * `files` (the InputFiles the run reads with). Throws a ConfigError naming the problem and the fix.
 */
export async function checkStartInputs(
  job: Job,
  message: JobMessage,
  files: Pick<InputFiles, 'expand'>,
  now: Date = new Date(),
): Promise<void> {
  const stage = job.stages[0];
  if (!stage) return;
  // The run record split would build, so the input resolves exactly as it will in the run.
  const run = buildRun(job, message, now.getTime());
  const spec = resolveInput(job, stage, run);
  const input = FILE_INPUT_EXAMPLES[spec.type];
  if (input === undefined) return;
  const paths = (spec as { paths?: readonly string[] }).paths;
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new ConfigError(
      `${job.name} reads ${input.kind} files: pass --input PATH_OR_GLOB (e.g. --input '${input.example}').`,
    );
  }
  await files.expand(paths);
}
