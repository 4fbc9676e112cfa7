// A reduce task: partition r of every committed map object, streamed by byte range, k-way merged
// by key, grouped, combined if the stage has a combiner, and reduced into the stage's outputs.

import { createJobContext, CounterSet } from './context.ts';
import type { MapReduceStage } from './job.ts';
import type { Key } from './keys.ts';
import { loadSideInputs } from './side-inputs.ts';
import { jobParams } from './stage.ts';
import { openTaskOutputs } from './task-outputs.ts';
import type { TaskExecution, TaskResult } from './task-execution.ts';
import { atPosition } from './task-execution.ts';
import { groupPartition } from './shuffle/merge.ts';

export async function executeReduce(exec: TaskExecution): Promise<TaskResult> {
  const { env, job, run, task, signal } = exec;
  const stage = job.stages[task.stage]!;
  const def = stage.def as MapReduceStage<unknown, unknown, Key, unknown, unknown>;
  const counters = new CounterSet();
  const ctx = createJobContext({
    params: jobParams(job, run),
    job: job.name,
    runId: run.runId,
    stage: stage.name,
    task: { id: task.taskId, phase: 'reduce', index: task.index, attempt: task.attempt },
    runStartedAt: new Date(run.createdAt),
    logger: env.logger,
    counters,
    mapCounters: run.stages[task.stage]?.mapCounters ?? {},
    side: await loadSideInputs(env, job, run, task.stage),
  });

  // Only committed map attempts are read (commit protocol step 5).
  const mapTasks = await env.state.listTasks(run.runId, { stage: task.stage, phase: 'map', state: 'DONE' });
  const sources: AsyncIterable<Buffer>[] = [];
  for (const mapTask of mapTasks) {
    const range = mapTask.output?.partitions?.[task.index];
    if (!mapTask.output?.shuffleObject || !range || range.length === 0) continue;
    sources.push(
      env.blobs.read(mapTask.output.shuffleObject, { start: range.offset, end: range.offset + range.length }),
    );
  }

  const outputs = openTaskOutputs(exec);
  let keys = 0;
  try {
    const groups = groupPartition(
      sources,
      def.combine ? { combine: (key: Key, values: unknown[]) => def.combine!(key, values, ctx) } : {},
    );
    for await (const group of groups) {
      if (signal.aborted) throw signal.reason;
      keys++;
      try {
        const pending = def.reduce(group.key, group.values, outputs.emit, ctx);
        if (pending instanceof Promise) await pending;
      } catch (err) {
        throw atPosition(err, `key ${JSON.stringify(group.key)} in partition ${task.index}`);
      }
      await outputs.settle();
      if (keys % 10_000 === 0) env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: keys });
    }
    env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: keys });
    counters.add('reduce-keys', keys);
    return { output: { parts: await outputs.close() }, counters: counters.snapshot() };
  } catch (err) {
    await outputs.abort();
    throw err;
  }
}
