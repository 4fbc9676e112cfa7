// Finalize a stage: hand every output its committed parts (table loads, file publication), record
// counters and what was written, then start the next stage or finish the run and delete the
// run's intermediates. Each output's finalize is idempotent, so a redelivered message is harmless,
// and resumable: a delivery goes on from the checkpoint the last one wrote (finalize-checkpoint.ts),
// so a finalize of any number of parts gets through however often its deliveries die.

import type { EngineEnv } from './env.ts';
import { FinalizeCheckpoint, FinalizeSuperseded } from './finalize-checkpoint.ts';
import type { Job } from './job.ts';
import type { Logger } from './logger.ts';
import type { FinalizeMessage } from './messages.ts';
import { planOrFail } from './plan.ts';
import {
  committedOutputs,
  type Counters,
  type OutputSummary,
  type RunRecord,
  type StageState,
} from './records.ts';
import { jobParams, stageOutputs } from './stage.ts';
import { sumCounters } from './task-state.ts';
import { getOutputWriter } from '../io/registry.ts';
import type { OutputSpec } from '../io/types.ts';

/** Task records per page; map records carry a partition index each (about 51 KB at R = 1,000). */
const FINALIZE_PAGE = 250;

type Parts = { name: string; records: number }[];

export async function handleFinalizeMessage(env: EngineEnv, message: FinalizeMessage): Promise<void> {
  const { runId, stage: stageIndex } = message;
  const log = env.logger.child({ runId, stage: stageIndex, phase: 'finalize' });
  const run = await env.state.getRun(runId);
  if (run?.status === 'DONE' && run.stage === stageIndex) {
    // Its message is acknowledged only once the intermediates are gone: a delivery that died
    // deleting them after the run went DONE is finished by the redelivery.
    const deleted = await env.blobs.deletePrefix(`tmp/${runId}/`);
    if (deleted > 0) log.info('intermediates deleted', { intermediatesDeleted: deleted });
    return;
  }
  if (!run || run.status !== 'RUNNING') return;
  const job = env.jobs.get(run.job);
  // A crash after moving on to the next stage leaves it in 'split': continue planning it.
  if (run.stage === stageIndex + 1 && run.phase === 'split') return planOrFail(env, job, run, run.stage);
  if (run.stage !== stageIndex || run.phase !== 'finalize') return;

  const specs = stageOutputs(job, job.stages[stageIndex]!, run);
  const { partsOf, counters } = await committedParts(env, runId, stageIndex, Object.keys(specs));
  let outputs: Record<string, OutputSummary>;
  try {
    outputs = await finalizeOutputs(env, log, job, run, stageIndex, specs, partsOf);
  } catch (err) {
    if (!(err instanceof FinalizeSuperseded)) throw err;
    return log.info(`finalize stops: ${err.message}`);
  }

  const last = stageIndex === job.stages.length - 1;
  const iso = new Date(env.now()).toISOString();
  const moved = await env.state.updateRun(runId, (r): RunRecord | undefined => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'finalize') return undefined;
    const stages: StageState[] = r.stages.slice();
    // The checkpoint has done its work: a finalized stage keeps only what it wrote.
    const { finalize: _checkpoint, ...stage } = stages[stageIndex]!;
    stages[stageIndex] = { ...stage, counters, outputs: { ...stage.outputs, ...outputs } };
    if (last) return { ...r, status: 'DONE', stages, updatedAt: iso, finishedAt: iso };
    return { ...r, stage: stageIndex + 1, phase: 'split', stages, updatedAt: iso };
  });
  // Reaching the state this delivery was moving to is success, whoever wrote it (a write that
  // applied and answered "unchanged" after the client retried it, a concurrent delivery): going on
  // is idempotent, and stopping here would leave the intermediates, or the next stage unplanned.
  const after = moved?.record;
  if (after?.status === 'RUNNING' && after.stage === stageIndex + 1 && after.phase === 'split')
    return planOrFail(env, job, after, stageIndex + 1);
  if (after?.status !== 'DONE' || after.stage !== stageIndex) return;
  const deleted = await env.blobs.deletePrefix(`tmp/${runId}/`);
  log.info('run done', { intermediatesDeleted: deleted });
}

/** The stage's committed parts by output, in task then slice order, and its counters. */
async function committedParts(
  env: EngineEnv,
  runId: string,
  stage: number,
  outputs: string[],
): Promise<{ partsOf: Map<string, Parts>; counters: Counters }> {
  // Page by page, so finalize's memory does not grow with the map tasks' partition indexes.
  const partsOf = new Map<string, Parts>(outputs.map((n) => [n, []]));
  let counters: Counters = {};
  for (const phase of ['map', 'reduce'] as const) {
    let cursor: string | undefined;
    do {
      const page = await env.state.listTasksPage(
        runId,
        { stage, phase },
        cursor === undefined ? { limit: FINALIZE_PAGE } : { limit: FINALIZE_PAGE, cursor },
      );
      cursor = page.cursor;
      counters = sumCounters([counters, ...page.tasks.map((t) => t.counters)]);
      for (const output of page.tasks.flatMap(committedOutputs))
        for (const [name, parts] of Object.entries(output.parts ?? {})) partsOf.get(name)?.push(...parts);
    } while (cursor !== undefined);
  }
  return { partsOf, counters };
}

/**
 * Each output's finalize, from the checkpoint on: an output an earlier delivery finished is
 * skipped, one it began starts after its last recorded part. Every output but the last is
 * recorded as finished as soon as it is (the last one is recorded with the stage's move).
 */
async function finalizeOutputs(
  env: EngineEnv,
  log: Logger,
  job: Job,
  run: RunRecord,
  stageIndex: number,
  specs: Record<string, OutputSpec>,
  partsOf: Map<string, Parts>,
): Promise<Record<string, OutputSummary>> {
  const checkpoint = new FinalizeCheckpoint(env, run, stageIndex);
  const outputs: Record<string, OutputSummary> = {};
  const entries = Object.entries(specs);
  for (const [i, [name, spec]] of entries.entries()) {
    const finished = checkpoint.finished(name);
    if (finished) {
      outputs[name] = finished;
      continue;
    }
    const summary = await getOutputWriter(spec.type).finalize(spec, {
      files: env.files,
      entities: env.entities,
      blobs: env.blobs,
      logger: log,
      warehouse: env.warehouse,
      params: jobParams(job, run),
      runId: run.runId,
      job: job.name,
      stage: stageIndex,
      stageName: job.stages[stageIndex]!.name,
      outputName: name,
      parts: partsOf.get(name)!,
      published: checkpoint.published(name),
      progress: (n) => checkpoint.progress(name, n),
    });
    outputs[name] = { type: spec.type, ...summary };
    log.info(`output ${name}: ${summary.rows} records → ${summary.target}`);
    if (i < entries.length - 1) await checkpoint.finish(name, outputs[name]);
  }
  return outputs;
}
