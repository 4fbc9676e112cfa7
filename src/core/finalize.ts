// Finalize a stage: hand every output its committed parts (table loads, file publication), record
// counters and what was written, then start the next stage or finish the run and delete the
// run's intermediates. Each output's finalize is idempotent, so a redelivered message is harmless.

import type { EngineEnv } from './env.ts';
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

/** Task records per page; map records carry a partition index each (about 51 KB at R = 1,000). */
const FINALIZE_PAGE = 250;

export async function handleFinalizeMessage(env: EngineEnv, message: FinalizeMessage): Promise<void> {
  const { runId, stage: stageIndex } = message;
  const log = env.logger.child({ runId, stage: stageIndex, phase: 'finalize' });
  const run = await env.state.getRun(runId);
  if (!run || run.status !== 'RUNNING') return;
  const job = env.jobs.get(run.job);
  // A crash after moving on to the next stage leaves it in 'split': continue planning it.
  if (run.stage === stageIndex + 1 && run.phase === 'split') return planOrFail(env, job, run, run.stage);
  if (run.stage !== stageIndex || run.phase !== 'finalize') return;

  const stage = job.stages[stageIndex]!;
  const specs = stageOutputs(job, stage, run);
  // Page by page, so finalize's memory does not grow with the map tasks' partition indexes.
  const partsOf = new Map<string, { name: string; records: number }[]>(
    Object.keys(specs).map((n) => [n, []]),
  );
  let counters: Counters = {};
  for (const phase of ['map', 'reduce'] as const) {
    let cursor: string | undefined;
    do {
      const page = await env.state.listTasksPage(
        runId,
        { stage: stageIndex, phase },
        cursor === undefined ? { limit: FINALIZE_PAGE } : { limit: FINALIZE_PAGE, cursor },
      );
      cursor = page.cursor;
      counters = sumCounters([counters, ...page.tasks.map((t) => t.counters)]);
      for (const output of page.tasks.flatMap(committedOutputs))
        for (const [name, parts] of Object.entries(output.parts ?? {})) partsOf.get(name)?.push(...parts);
    } while (cursor !== undefined);
  }
  const outputs: Record<string, OutputSummary> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const parts = partsOf.get(name)!;
    const summary = await getOutputWriter(spec.type).finalize(spec, {
      files: env.files,
      entities: env.entities,
      blobs: env.blobs,
      logger: log,
      warehouse: env.warehouse,
      params: jobParams(job, run),
      runId,
      job: job.name,
      stage: stageIndex,
      stageName: stage.name,
      outputName: name,
      parts,
    });
    outputs[name] = { type: spec.type, ...summary };
    log.info(`output ${name}: ${summary.rows} records → ${summary.target}`);
  }

  const last = stageIndex === job.stages.length - 1;
  const iso = new Date(env.now()).toISOString();
  const moved = await env.state.updateRun(runId, (r): RunRecord | undefined => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'finalize') return undefined;
    const stages: StageState[] = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, counters, outputs };
    if (last) return { ...r, status: 'DONE', stages, updatedAt: iso, finishedAt: iso };
    return { ...r, stage: stageIndex + 1, phase: 'split', stages, updatedAt: iso };
  });
  if (!moved?.changed) return;
  if (!last) return planOrFail(env, job, moved.record, stageIndex + 1);
  const deleted = await env.blobs.deletePrefix(`tmp/${runId}/`);
  log.info('run done', { intermediatesDeleted: deleted });
}
