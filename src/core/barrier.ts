// The phase barrier (DESIGN.md, commit protocol step 6). Each task commit touches only its own
// record; the committer then counts DONE tasks and, when all are done, races to flip the run's
// phase in a transaction. Only the winner publishes the next phase. Duplicate deliveries and the
// sweeper call this too, so a crash between commit and flip, or flip and publish, is repaired.

import type { EngineEnv } from './env.ts';
import { isMapReduce, type Job } from './job.ts';
import { publishTasks } from './plan.ts';
import type { RunRecord, TaskPhase, TaskRecord } from './records.ts';
import { taskId } from './records.ts';
import { sumCounters } from './task-state.ts';

export async function checkBarrier(
  env: EngineEnv,
  job: Job,
  runId: string,
  stageIndex: number,
  phase: TaskPhase,
): Promise<void> {
  const run = await env.state.getRun(runId);
  if (!run || run.status !== 'RUNNING' || run.stage !== stageIndex || run.phase !== phase) return;
  const stageState = run.stages[stageIndex]!;
  const total = phase === 'map' ? stageState.mapTasks : stageState.reduceTasks;
  if (total === undefined) return;
  const done = await env.state.countTasks(runId, { stage: stageIndex, phase, state: 'DONE' });
  if (done < total) return;
  if (phase === 'map' && isMapReduce(job.stages[stageIndex]!.def)) await startReduce(env, run, stageIndex);
  else await startFinalize(env, run, stageIndex, phase);
}

async function startReduce(env: EngineEnv, run: RunRecord, stageIndex: number): Promise<void> {
  const mapTasks = await env.state.listTasks(run.runId, { stage: stageIndex, phase: 'map' });
  const mapCounters = sumCounters(mapTasks.map((t) => t.counters));
  const iso = new Date(env.now()).toISOString();
  const partitions = run.options.partitions;
  const reduceTasks: TaskRecord[] = Array.from({ length: partitions }, (_, index) => ({
    runId: run.runId,
    taskId: taskId(stageIndex, 'reduce', index),
    stage: stageIndex,
    phase: 'reduce',
    index,
    state: 'PENDING',
    attempt: 0,
    description: `partition ${index} of ${partitions}`,
    createdAt: iso,
    updatedAt: iso,
  }));
  await env.state.insertTasks(reduceTasks);
  const flipped = await env.state.updateRun(run.runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'map') return undefined;
    const stages = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, reduceTasks: partitions, mapCounters };
    return { ...r, phase: 'reduce', stages, updatedAt: iso };
  });
  if (!flipped?.changed) return;
  env.logger.info('map phase done; starting reduce', { runId: run.runId, stage: stageIndex, partitions });
  await publishTasks(env, run.runId, reduceTasks);
}

async function startFinalize(
  env: EngineEnv,
  run: RunRecord,
  stageIndex: number,
  from: TaskPhase,
): Promise<void> {
  const iso = new Date(env.now()).toISOString();
  const mapCounters =
    from === 'map'
      ? sumCounters(
          (await env.state.listTasks(run.runId, { stage: stageIndex, phase: 'map' })).map((t) => t.counters),
        )
      : undefined;
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
