// The phase barrier (DESIGN.md, commit protocol step 6). Each task commit touches only its own
// record; the committer then checks whether the phase is done and, if so, races to flip the run's
// phase in a transaction. Only the winner publishes the next phase. Duplicate deliveries and the
// sweeper call this too, so a crash between commit and flip, or flip and publish, is repaired.
//
// Cost O(M) per phase, not O(M²): a committer counts only its own batch of TASK_BATCH_SIZE tasks
// (one aggregation over at most 500 index entries). The committer that finds its batch complete
// records the batch in the run (one small transaction per batch, M / 500 per phase); the one that
// records the last batch flips. Never early: a batch is recorded only after a count saw all its
// tasks DONE, and DONE is final. Never lost: if a recording is lost to a crash, the sweeper's full
// count (no task index) flips the phase. Exactly once: the flip is a transaction that changes the
// phase only from the phase it expects.

import type { EngineEnv } from './env.ts';
import { isMapReduce, type Job } from './job.ts';
import { publishTasks } from './plan.ts';
import { planReduceRanges } from './reduce-plan.ts';
import type { RunRecord, TaskPhase, TaskRecord } from './records.ts';
import { taskId } from './records.ts';
import { DEFAULTS } from './defaults.ts';
import { buildShuffleIndex, reduceSplit } from './shuffle-index.ts';
import { TASK_BATCH_SIZE } from '../ports/state-store.ts';
import type { Counters } from './records.ts';
import { sumCounters } from './task-state.ts';

const INSERT_BATCH = 500;

/**
 * Flips the phase if all its tasks are DONE. `taskIndex`: the task that just committed, whose batch
 * is counted; without it (sweeper, duplicates) the whole phase is counted.
 */
export async function checkBarrier(
  env: EngineEnv,
  job: Job,
  runId: string,
  stageIndex: number,
  phase: TaskPhase,
  taskIndex?: number,
): Promise<void> {
  const run = await env.state.getRun(runId);
  if (!run || run.status !== 'RUNNING' || run.stage !== stageIndex || run.phase !== phase) return;
  const stageState = run.stages[stageIndex]!;
  const total = phase === 'map' ? stageState.mapTasks : stageState.reduceTasks;
  if (total === undefined) return;
  if (taskIndex !== undefined && total > TASK_BATCH_SIZE) {
    if (!(await batchesComplete(env, runId, stageIndex, phase, taskIndex, total))) return;
  } else {
    const done = await env.state.countTasks(runId, { stage: stageIndex, phase, state: 'DONE' });
    if (done < total) return;
  }
  if (phase === 'map' && isMapReduce(job.stages[stageIndex]!.def))
    await startReduce(env, job, run, stageIndex);
  else await startFinalize(env, run, stageIndex, phase);
}

/** Counts the committer's batch; when complete, records it. True when every batch is recorded. */
async function batchesComplete(
  env: EngineEnv,
  runId: string,
  stageIndex: number,
  phase: TaskPhase,
  taskIndex: number,
  total: number,
): Promise<boolean> {
  const batch = Math.floor(taskIndex / TASK_BATCH_SIZE);
  const size = Math.min(TASK_BATCH_SIZE, total - batch * TASK_BATCH_SIZE);
  const done = await env.state.countTasks(runId, { stage: stageIndex, phase, state: 'DONE', batch });
  if (done < size) return false;
  const recorded = await env.state.updateRun(runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== phase) return undefined;
    const current = r.stages[stageIndex]?.barrier;
    const batches = current?.phase === phase ? current.batches : [];
    if (batches.includes(batch)) return undefined;
    const stages = r.stages.slice();
    stages[stageIndex] = {
      ...stages[stageIndex]!,
      barrier: { phase, batches: [...batches, batch].sort((a, b) => a - b) },
    };
    return { ...r, stages };
  });
  const barrier = recorded?.record.stages[stageIndex]?.barrier;
  return barrier?.phase === phase && barrier.batches.length === Math.ceil(total / TASK_BATCH_SIZE);
}

/**
 * Builds the shuffle index, plans reduce tasks over partition ranges sized by the shuffle bytes,
 * inserts them, flips to reduce and publishes. Racing callers build the same index and insert the
 * same tasks (both idempotent); one flip wins and only the winner publishes.
 */
async function startReduce(env: EngineEnv, job: Job, run: RunRecord, stageIndex: number): Promise<void> {
  const stage = job.stages[stageIndex]!;
  const partitions = run.options.partitions;
  const index = await buildShuffleIndex(env.state, env.blobs, {
    runId: run.runId,
    stage: stageIndex,
    stageName: stage.name,
    partitions,
  });
  const ranges = planReduceRanges(index.partitionBytes, index.sources, {
    targetBytes: env.reduceTaskBytes ?? DEFAULTS.reduceTaskTargetBytes,
    maxIndexEntries: DEFAULTS.reduceIndexEntries,
    ...(env.reduceMinTasks !== undefined ? { minTasks: env.reduceMinTasks } : {}),
  });
  const iso = new Date(env.now()).toISOString();
  const reduceTasks: TaskRecord[] = ranges.map((range, i) => ({
    runId: run.runId,
    taskId: taskId(stageIndex, 'reduce', i),
    stage: stageIndex,
    phase: 'reduce',
    index: i,
    state: 'PENDING',
    attempt: 0,
    split: reduceSplit(index, range),
    description:
      range.end - range.first === 1
        ? `partition ${range.first} of ${partitions}`
        : `partitions ${range.first}–${range.end - 1} of ${partitions}`,
    createdAt: iso,
    updatedAt: iso,
  }));
  for (let i = 0; i < reduceTasks.length; i += INSERT_BATCH)
    await env.state.insertTasks(reduceTasks.slice(i, i + INSERT_BATCH));
  const mapCounters = index.mapCounters;
  const flipped = await env.state.updateRun(run.runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'map') return undefined;
    const stages = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, reduceTasks: reduceTasks.length, mapCounters };
    return { ...r, phase: 'reduce', stages, updatedAt: iso };
  });
  if (!flipped?.changed) return;
  env.logger.info('map phase done; starting reduce', {
    runId: run.runId,
    stage: stageIndex,
    partitions,
    reduceTasks: reduceTasks.length,
    shuffleBytes: index.partitionBytes.reduce((a, b) => a + b, 0),
  });
  await publishTasks(env, run.runId, reduceTasks);
}

async function startFinalize(
  env: EngineEnv,
  run: RunRecord,
  stageIndex: number,
  from: TaskPhase,
): Promise<void> {
  const iso = new Date(env.now()).toISOString();
  const mapCounters = from === 'map' ? await phaseCounters(env, run.runId, stageIndex, 'map') : undefined;
  const flipped = await env.state.updateRun(run.runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== from) return undefined;
    if (!mapCounters) return { ...r, phase: 'finalize', updatedAt: iso };
    const stages = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, mapCounters };
    return { ...r, phase: 'finalize', stages, updatedAt: iso };
  });
  if (!flipped?.changed) return;
  await env.bus.publish('finalize', [{ data: { runId: run.runId, stage: stageIndex } }]);
}

/** Counters summed over a phase's tasks, page by page (constant memory). */
export async function phaseCounters(
  env: EngineEnv,
  runId: string,
  stage: number,
  phase: TaskPhase,
): Promise<Counters> {
  let total: Counters = {};
  let cursor: string | undefined;
  do {
    const page = await env.state.listTasksPage(
      runId,
      { stage, phase },
      cursor === undefined ? { limit: 500 } : { limit: 500, cursor },
    );
    total = sumCounters([total, ...page.tasks.map((t) => t.counters)]);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return total;
}
