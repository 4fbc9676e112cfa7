// A reduce task: partition r of every committed map object (every slice of every map task),
// streamed by byte range, k-way merged by key, grouped, combined if the stage has a combiner, and
// reduced into the stage's outputs. At its time budget the task stops between keys, closes its
// parts as a slice and checkpoints the last key it reduced; the merge is key-sorted, so the next
// slice merges the same objects again and skips every key up to the checkpoint.

import { CounterSet, taskContext } from './context.ts';
import type { MapReduceStage } from './job.ts';
import type { EncodedKey, Key } from './keys.ts';
import { committedOutputs } from './records.ts';
import { SliceClock } from './slice-clock.ts';
import { openTaskOutputs } from './task-outputs.ts';
import type { TaskExecution, TaskResult } from './task-execution.ts';
import { atPosition } from './task-execution.ts';
import { groupPartition } from './shuffle/merge.ts';

/** A reduce checkpoint: the last encoded key reduced, base64 (encoded keys are binary strings). */
export interface ReduceCheckpoint {
  afterKey: string;
}

export async function executeReduce(exec: TaskExecution): Promise<TaskResult> {
  const { env, job, run, task, signal } = exec;
  const stage = job.stages[task.stage]!;
  const def = stage.def as MapReduceStage<unknown, unknown, Key, unknown, unknown>;
  const counters = new CounterSet();
  const ctx = await taskContext(exec, counters, run.stages[task.stage]?.mapCounters ?? {});

  // Only committed map attempts are read (commit protocol step 5), in task then slice order, which
  // keeps the order of equal keys' values the same however the map tasks were sliced.
  const mapTasks = await env.state.listTasks(run.runId, { stage: task.stage, phase: 'map', state: 'DONE' });
  const sources: AsyncIterable<Buffer>[] = [];
  for (const output of mapTasks.flatMap(committedOutputs)) {
    const range = output.partitions?.[task.index];
    if (!output.shuffleObject || !range || range.length === 0) continue;
    sources.push(
      env.blobs.read(output.shuffleObject, { start: range.offset, end: range.offset + range.length }),
    );
  }

  const after = afterKeyOf(task.checkpoint);
  const before = task.counters?.['reduce-keys'] ?? 0;
  const clock = new SliceClock(exec.deadline, env.now);
  const outputs = openTaskOutputs(exec);
  let keys = 0;
  let lastKey: EncodedKey | undefined;
  let checkpoint: ReduceCheckpoint | undefined;
  try {
    const groups = groupPartition(
      sources,
      def.combine ? { combine: (key: Key, values: unknown[]) => def.combine!(key, values, ctx) } : {},
    );
    for await (const group of groups) {
      if (signal.aborted) throw signal.reason;
      // Reduced by an earlier slice; its values are skipped unread when the next group is asked for.
      if (after !== undefined && group.encodedKey <= after) continue;
      if (clock.due()) {
        checkpoint = { afterKey: Buffer.from(lastKey!, 'latin1').toString('base64') };
        break;
      }
      lastKey = group.encodedKey;
      keys++;
      try {
        const pending = def.reduce(group.key, group.values, outputs.emit, ctx);
        if (pending instanceof Promise) await pending;
      } catch (err) {
        throw atPosition(err, `key ${JSON.stringify(group.key)} in partition ${task.index}`);
      }
      await outputs.settle();
      if (keys % 10_000 === 0)
        env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + keys });
    }
    env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + keys });
    counters.add('reduce-keys', keys);
    return {
      output: { parts: await outputs.close() },
      counters: counters.snapshot(),
      ...(checkpoint ? { checkpoint } : {}),
    };
  } catch (err) {
    await outputs.abort();
    throw err;
  }
}

function afterKeyOf(checkpoint: unknown): EncodedKey | undefined {
  const afterKey = (checkpoint as Partial<ReduceCheckpoint> | undefined)?.afterKey;
  return typeof afterKey === 'string' ? Buffer.from(afterKey, 'base64').toString('latin1') : undefined;
}
