// Helpers that interpret a stage definition against a run: its resolved input spec, its outputs,
// and where the committed records of an earlier stage are.

import { ConfigError } from './errors.ts';
import { isMapReduce, type Job, type Stage } from './job.ts';
import { materializeParams } from './params.ts';
import { committedOutputs, type RunRecord, type TaskPhase } from './records.ts';
import type { InputSpec, OutputSpec } from '../io/types.ts';
import type { StateStore } from '../ports/state-store.ts';

/** Where a stage keeps records when it declares no outputs (readable by later stages). */
export const IMPLICIT_OUTPUT = 'records';
/** Bad input records go here when a stage sets `badRecords: 'skip'`. */
export const REJECTS_OUTPUT = 'rejects';

const FILE_INPUTS = new Set(['text', 'text-blocks', 'ndjson', 'csv']);

export function jobParams(job: Job, run: RunRecord): Record<string, unknown> {
  return materializeParams(job.params, run.params);
}

export function resolveInput(job: Job, stage: Stage, run: RunRecord): InputSpec {
  const def = stage.def.input;
  const inputs = run.options.inputs ?? [];
  const spec =
    typeof def === 'function'
      ? def(jobParams(job, run), { runId: run.runId, startedAt: new Date(run.createdAt), inputs })
      : def;
  if (!spec || typeof spec.type !== 'string') {
    throw new ConfigError(
      `Job "${job.name}", stage "${stage.name}": input must be an input spec such as input.text().`,
    );
  }
  // `--input` fills a file input that names no paths; anywhere else it is a mistake worth saying.
  if (FILE_INPUTS.has(spec.type)) {
    const paths = (spec as { paths?: string[] }).paths;
    if ((paths === undefined || paths.length === 0) && inputs.length > 0)
      return { ...spec, paths: inputs } as InputSpec;
  }
  return spec;
}

export function stageOutputs(job: Job, stage: Stage, run: RunRecord): Record<string, OutputSpec> {
  const declared = stage.def.outputs ?? {};
  const params = jobParams(job, run);
  const out: Record<string, OutputSpec> = {};
  for (const [name, spec] of Object.entries(declared))
    out[name] = typeof spec === 'function' ? spec(params) : spec;
  if (Object.keys(out).length === 0) out[IMPLICIT_OUTPUT] = { type: 'parts' };
  // Published like any NDJSON output, so the skipped records outlive the run's intermediates.
  if (stage.def.badRecords === 'skip') out[REJECTS_OUTPUT] = { type: 'ndjson' };
  return out;
}

/** The phase whose tasks write the stage's outputs. */
export function outputPhase(stage: Stage): TaskPhase {
  return isMapReduce(stage.def) ? 'reduce' : 'map';
}

export function findStage(job: Job, name: string): Stage {
  const stage = job.stages.find((s) => s.name === name);
  if (!stage)
    throw new ConfigError(
      `Job "${job.name}" has no stage "${name}" (stages: ${job.stages.map((s) => s.name).join(', ')}).`,
    );
  return stage;
}

/** Committed part names of `output` of an earlier stage, in task then slice order. */
export async function committedParts(
  state: StateStore,
  job: Job,
  run: RunRecord,
  stageName: string,
  output?: string,
): Promise<string[]> {
  const stage = findStage(job, stageName);
  const outputs = Object.keys(stageOutputs(job, stage, run)).filter((n) => n !== REJECTS_OUTPUT);
  const name = output ?? (outputs.length === 1 ? outputs[0] : undefined);
  if (name === undefined || !outputs.includes(name)) {
    throw new ConfigError(
      `Job "${job.name}": stage "${stageName}" has outputs ${outputs.join(', ')}; name one, e.g. fromStage("${stageName}", "${outputs[0]}").`,
    );
  }
  const tasks = await state.listTasks(run.runId, {
    stage: stage.index,
    phase: outputPhase(stage),
    state: 'DONE',
  });
  return tasks.flatMap(committedOutputs).flatMap((o) => (o.parts?.[name] ?? []).map((p) => p.name));
}
