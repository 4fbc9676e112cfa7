// Planning a stage: split its input, create one map task per split, move the run to the map phase,
// then publish one message per task. The order matters: the phase flips before any message goes
// out, so the barrier of a fast task never sees a stale phase; a crash after the flip leaves PENDING
// tasks that the sweeper re-publishes.

import { DEFAULTS } from './defaults.ts';
import type { EngineEnv } from './env.ts';
import type { Job } from './job.ts';
import type { RunRecord, TaskRecord } from './records.ts';
import { taskId } from './records.ts';
import { committedParts, resolveInput } from './stage.ts';
import { getInputReader } from '../io/registry.ts';
import type { Split } from '../io/types.ts';

const INSERT_BATCH = 500;
const PUBLISH_BATCH = 1000;

export async function planStage(env: EngineEnv, job: Job, run: RunRecord, stageIndex: number): Promise<void> {
  const stage = job.stages[stageIndex]!;
  const log = env.logger.child({ runId: run.runId, stage: stage.name });
  const spec = resolveInput(job, stage, run);
  const reader = getInputReader(spec.type);
  // The command line or message wins over the job's own default.
  const shards = run.options.shards ?? stage.def.shards ?? DEFAULTS.shards;
  const splits: Split[] = await reader.split(spec, shards, {
    files: env.files,
    entities: env.entities,
    blobs: env.blobs,
    logger: log,
    runId: run.runId,
    stageOutputs: (name, output) => committedParts(env.state, job, run, name, output),
  });
  const iso = new Date(env.now()).toISOString();
  const tasks: TaskRecord[] = splits.map((split, index) => ({
    runId: run.runId,
    taskId: taskId(stageIndex, 'map', index),
    stage: stageIndex,
    phase: 'map',
    index,
    state: 'PENDING',
    attempt: 0,
    split: split.descriptor,
    description: split.description,
    createdAt: iso,
    updatedAt: iso,
  }));
  for (let i = 0; i < tasks.length; i += INSERT_BATCH)
    await env.state.insertTasks(tasks.slice(i, i + INSERT_BATCH));
  // A redelivered job message may re-plan after the input changed: the tasks that exist are the truth.
  const planned = await env.state.countTasks(run.runId, { stage: stageIndex, phase: 'map' });

  const flipped = await env.state.updateRun(run.runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'split') return undefined;
    const stages = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, mapTasks: planned };
    return { ...r, phase: planned === 0 ? 'finalize' : 'map', stages, updatedAt: iso };
  });
  if (!flipped?.changed) return;
  log.info(`planned ${planned} map tasks`, { shards, splits: splits.length });
  if (planned === 0) {
    // Nothing to read: outputs are still finalized (a truncating table becomes empty, as it should).
    await env.bus.publish('finalize', [{ data: { runId: run.runId, stage: stageIndex } }]);
    return;
  }
  await publishTasks(
    env,
    run.runId,
    tasks.length === planned
      ? tasks
      : await env.state.listTasks(run.runId, { stage: stageIndex, phase: 'map' }),
  );
}

export async function publishTasks(
  env: EngineEnv,
  runId: string,
  tasks: readonly TaskRecord[],
): Promise<void> {
  for (let i = 0; i < tasks.length; i += PUBLISH_BATCH) {
    const batch = tasks.slice(i, i + PUBLISH_BATCH);
    const topic = batch[0]?.phase === 'reduce' ? 'reduce' : 'map';
    await env.bus.publish(
      topic,
      batch.map((t) => ({ data: { runId, taskId: t.taskId }, attributes: { runId, taskId: t.taskId } })),
    );
  }
}
