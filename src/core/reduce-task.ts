// A reduce task: a contiguous range of partitions [first, end) (planned at the map→reduce flip,
// see reduce-plan.ts). It reads its sources from the shuffle index (not every map record), merges
// them down to a bounded fan-in (bounded-merge.ts), then, partition by partition, k-way merges,
// groups, combines if the stage has a combiner, and reduces into the stage's outputs. Each source
// is read with ONE ranged request covering all partitions of the range.
//
// At its time budget the task stops between keys, closes its parts as a slice and checkpoints the
// partition and the last key it reduced; the merge is key-sorted, so the next slice merges the same
// objects again, skips the partitions before and every key up to the checkpoint. When this task's
// sources needed merge passes, the slice hands the merged runs on (a sources object named in the
// checkpoint), so merge passes run once per task, not once per slice.

import type { BlobStore } from '../ports/blob-store.ts';
import { CounterSet, taskContext } from './context.ts';
import { DEFAULTS } from './defaults.ts';
import { NonRetryableError } from './errors.ts';
import type { MapReduceStage } from './job.ts';
import type { EncodedKey, Key } from './keys.ts';
import type { ReduceSplit } from './shuffle-index.ts';
import { readRangeSources, type RangeSource } from './shuffle-index.ts';
import { SliceClock } from './slice-clock.ts';
import { openTaskOutputs } from './task-outputs.ts';
import type { TaskExecution, TaskResult } from './task-execution.ts';
import { atPosition } from './task-execution.ts';
import { mergeToFanIn, openRanges } from './shuffle/bounded-merge.ts';
import { groupPartition } from './shuffle/merge.ts';

/** A reduce checkpoint: the partition and the last encoded key reduced in it, base64. */
export interface ReduceCheckpoint {
  partition: number;
  afterKey: string;
  /** Object holding the merged sources (RangeSource[] JSON) the next slice reads instead of merging. */
  sources?: string;
}

export async function executeReduce(exec: TaskExecution): Promise<TaskResult> {
  const { env, job, run, task, signal } = exec;
  const stage = job.stages[task.stage]!;
  const def = stage.def as MapReduceStage<unknown, unknown, Key, unknown, unknown>;
  const counters = new CounterSet();
  const ctx = await taskContext(exec, counters, run.stages[task.stage]?.mapCounters ?? {});

  const split = reduceSplitOf(task.split, task.taskId);
  const combine = def.combine ? (key: Key, values: unknown[]) => def.combine!(key, values, ctx) : undefined;
  // Only committed map attempts are in the index (commit protocol step 5), in task then slice
  // order, which keeps the order of equal keys' values the same however map tasks were sliced.
  const width = split.end - split.first;
  const sliceTag = task.slices?.length ? `-s${task.slices.length}` : '';
  const attemptPrefix = `tmp/${run.runId}/${stage.name}/reduce/${task.taskId}/a${task.attempt}${sliceTag}`;
  const resume = checkpointOf(task.checkpoint);
  let mergeRuns = 0;
  const sources = resume?.sources
    ? await readSources(env.blobs, resume.sources, width)
    : await mergeToFanIn(await readRangeSources(env.blobs, split), {
        blobs: env.blobs,
        fanIn: env.reduceFanIn ?? DEFAULTS.reduceMergeFanIn,
        partitions: width,
        runName: (pass, group) => {
          mergeRuns++;
          return `${attemptPrefix}/m${pass}-${group}`;
        },
        ...(combine ? { combine } : {}),
      });
  const reads = openRanges(env.blobs, sources);

  const before = task.counters?.['reduce-keys'] ?? 0;
  const clock = new SliceClock(exec.slice, env.now);
  const outputs = openTaskOutputs(exec);
  let keys = 0;
  let last: { partition: number; key: EncodedKey } | undefined;
  let checkpoint: ReduceCheckpoint | undefined;
  try {
    partitions: for (let p = split.first; p < split.end; p++) {
      // Partitions an earlier slice finished: each source's single read skips their bytes.
      if (resume && p < resume.partition) continue;
      const after = resume?.partition === p ? resume.afterKey : undefined;
      const groups = groupPartition(
        reads.map((r) => r.partition(p - split.first)),
        combine ? { combine } : {},
      );
      for await (const group of groups) {
        if (signal.aborted) throw signal.reason;
        // Reduced by an earlier slice; its values are skipped unread when the next group is asked for.
        if (after !== undefined && group.encodedKey <= after) continue;
        if (clock.due() && last) {
          checkpoint = {
            partition: last.partition,
            afterKey: Buffer.from(last.key, 'latin1').toString('base64'),
          };
          if (resume?.sources) checkpoint.sources = resume.sources;
          else if (mergeRuns > 0) checkpoint.sources = await writeSources(env.blobs, attemptPrefix, sources);
          break partitions;
        }
        last = { partition: p, key: group.encodedKey };
        keys++;
        env.onReduceKey?.(p, group.encodedKey);
        try {
          const pending = def.reduce(group.key, group.values, outputs.emit, ctx);
          if (pending instanceof Promise) await pending;
        } catch (err) {
          throw atPosition(err, `key ${JSON.stringify(group.key)} in partition ${p}`);
        }
        await outputs.settle();
        env.onReduceKey?.(p, undefined); // done with this key: a death from here on is not its fault
        if (keys % 10_000 === 0)
          env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + keys });
      }
    }
    env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + keys });
    counters.add('reduce-keys', keys);
    if (mergeRuns > 0) counters.add('reduce-merge-runs', mergeRuns);
    return {
      output: { parts: await outputs.close() },
      counters: counters.snapshot(),
      ...(checkpoint ? { checkpoint } : {}),
    };
  } catch (err) {
    await outputs.abort();
    throw err;
  } finally {
    await Promise.allSettled(reads.map((r) => r.close()));
  }
}

function checkpointOf(
  checkpoint: unknown,
): { partition: number; afterKey: EncodedKey; sources?: string } | undefined {
  const c = checkpoint as Partial<ReduceCheckpoint> | undefined;
  if (typeof c?.afterKey !== 'string' || typeof c.partition !== 'number') return undefined;
  const afterKey = Buffer.from(c.afterKey, 'base64').toString('latin1');
  return typeof c.sources === 'string'
    ? { partition: c.partition, afterKey, sources: c.sources }
    : { partition: c.partition, afterKey };
}

/**
 * Writes the merged sources a slice hands on. The name is this attempt's own (every claim gets a
 * new attempt number), so an object already there is this very write, applied and retried.
 */
async function writeSources(
  blobs: BlobStore,
  attemptPrefix: string,
  sources: RangeSource[],
): Promise<string> {
  const name = `${attemptPrefix}/sources.json`;
  await blobs.put(name, Buffer.from(JSON.stringify(sources)), { createOnly: true });
  return name;
}

/** The merged sources an earlier slice of this task handed on (committed, so written whole). */
async function readSources(blobs: BlobStore, name: string, width: number): Promise<RangeSource[]> {
  const sources = JSON.parse((await blobs.get(name)).toString('utf8')) as RangeSource[];
  if (!Array.isArray(sources) || sources.some((s) => s.lengths?.length !== width))
    throw new NonRetryableError(
      `The merged sources ${name} an earlier slice of this reduce task handed on do not match its ` +
        `${width} partitions: the object was changed after it was written (nothing but this task writes ` +
        'under tmp/<run>/). Start the run again.',
    );
  return sources;
}

function reduceSplitOf(split: unknown, taskId: string): ReduceSplit {
  const s = split as Partial<ReduceSplit> | undefined;
  if (
    typeof s?.first !== 'number' ||
    typeof s.end !== 'number' ||
    typeof s.index !== 'string' ||
    !Array.isArray(s.pages)
  ) {
    throw new NonRetryableError(
      `Reduce task ${taskId} has no partition range and index in its record (split: ${JSON.stringify(split)}). ` +
        'Reduce tasks are planned at the map→reduce flip since the shuffle index was introduced; a run started ' +
        'by an older version cannot continue its reduce phase: start the run again.',
    );
  }
  return s as ReduceSplit;
}
