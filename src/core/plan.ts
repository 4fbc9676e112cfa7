// Planning a stage: split its input, create one map task per split, move the run to the map phase,
// then publish one message per task. The order matters: the phase flips before any message goes
// out, so the barrier of a fast task never sees a stale phase; a crash after the flip leaves PENDING
// tasks that the sweeper re-publishes.
//
// A stage has exactly one plan, however many planners run (a duplicate job message, a sweeper
// re-planning a run still in `split`, finalize continuing a stage) and however the input changes
// between their listings: the first planner's splits are written create-only to one plan object,
// `tmp/<run>/<stage>/plan.json`; every planner, the first included, creates tasks only from the
// object that won, and the run records its task count. Two cuts of the input can never mix.

import { DEFAULTS } from './defaults.ts';
import type { EngineEnv } from './env.ts';
import { isPermanent, toErrorInfo } from './errors.ts';
import type { Job } from './job.ts';
import type { RunRecord, TaskRecord } from './records.ts';
import { taskId } from './records.ts';
import { committedParts, resolveInput } from './stage.ts';
import { failRunAndReport } from './run-events.ts';
import { getInputReader } from '../io/registry.ts';

const INSERT_BATCH = 500;
const PUBLISH_BATCH = 1000;

interface Plan {
  splits: { descriptor: unknown; description: string }[];
}

/** Where a stage's one plan lives (deleted with the run's other intermediates when it is DONE). */
export function planObject(run: RunRecord, job: Job, stageIndex: number): string {
  return `tmp/${run.runId}/${job.stages[stageIndex]!.name}/plan.json`;
}

/**
 * Plans the stage; a permanent failure (an input that matches nothing, a bad input spec) fails the
 * run with the reason instead of being thrown to a caller that may not know the run.
 */
export async function planOrFail(
  env: EngineEnv,
  job: Job,
  run: RunRecord,
  stageIndex: number,
): Promise<void> {
  try {
    await planStage(env, job, run, stageIndex);
  } catch (err) {
    if (!isPermanent(err)) throw err;
    const info = toErrorInfo(err);
    env.logger.error(`planning stage ${stageIndex} failed: ${info.message}`, { runId: run.runId });
    await failRunAndReport(env, run.runId, { ...info, taskId: `s${stageIndex}-split` });
  }
}

export async function planStage(env: EngineEnv, job: Job, run: RunRecord, stageIndex: number): Promise<void> {
  const stage = job.stages[stageIndex]!;
  const log = env.logger.child({ runId: run.runId, stage: stage.name });
  const plan = await decidePlan(env, job, run, stageIndex);
  const iso = new Date(env.now()).toISOString();
  const tasks: TaskRecord[] = plan.splits.map((split, index) => ({
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
  // Every planner inserts the whole plan before the flip, so once the run is in `map` every task
  // the count names exists.
  for (let i = 0; i < tasks.length; i += INSERT_BATCH)
    await env.state.insertTasks(tasks.slice(i, i + INSERT_BATCH));
  const planned = tasks.length;
  const object = planObject(run, job, stageIndex);

  const flipped = await env.state.updateRun(run.runId, (r) => {
    if (r.status !== 'RUNNING' || r.stage !== stageIndex || r.phase !== 'split') return undefined;
    const stages = r.stages.slice();
    stages[stageIndex] = { ...stages[stageIndex]!, mapTasks: planned, plan: { object, tasks: planned } };
    return { ...r, phase: planned === 0 ? 'finalize' : 'map', stages, updatedAt: iso };
  });
  if (!flipped?.changed) return;
  log.info(`planned ${planned} map tasks`);
  if (planned === 0) {
    // Nothing to read: outputs are still finalized (a truncating table becomes empty, as it should).
    await env.bus.publish('finalize', [{ data: { runId: run.runId, stage: stageIndex } }]);
    return;
  }
  await publishTasks(env, run.runId, tasks);
}

/** The stage's plan: the one already decided, or this planner's cut if it is the first to write it. */
async function decidePlan(env: EngineEnv, job: Job, run: RunRecord, stageIndex: number): Promise<Plan> {
  const object = planObject(run, job, stageIndex);
  if (await env.blobs.stat(object)) return readPlan(env, object);
  const stage = job.stages[stageIndex]!;
  const spec = resolveInput(job, stage, run);
  const reader = getInputReader(spec.type);
  // The command line or message wins over the job's own default.
  const shards = run.options.shards ?? stage.def.shards ?? DEFAULTS.shards;
  const splits = await reader.split(spec, shards, {
    files: env.files,
    entities: env.entities,
    blobs: env.blobs,
    logger: env.logger.child({ runId: run.runId, stage: stage.name }),
    runId: run.runId,
    stageOutputs: (name, output) => committedParts(env.state, job, run, name, output),
  });
  const plan: Plan = {
    splits: splits.map((s) => ({ descriptor: s.descriptor, description: s.description })),
  };
  const { created } = await env.blobs.put(object, JSON.stringify(plan), {
    createOnly: true,
    contentType: 'application/json',
  });
  // Another planner's cut won (it may have seen another listing): adopt it.
  return created ? plan : readPlan(env, object);
}

async function readPlan(env: EngineEnv, object: string): Promise<Plan> {
  return JSON.parse((await env.blobs.get(object)).toString('utf8')) as Plan;
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
