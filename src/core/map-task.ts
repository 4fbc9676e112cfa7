// A map task: read one split → user map → (map-reduce) combine, partition, spill, and write ONE
// shuffle object for this attempt; (map-only) write records straight to the outputs. At its time
// budget the task stops after the current record, seals what it has as a slice (a shuffle object,
// closed parts) and returns the reader's checkpoint: the next slice reads the rest of the split.
// A stage's mapStart/mapEnd (job.ts, MapTaskHooks) bracket every execution: state made fresh
// before the first record, emitted after the last, before the task or slice seals its output.

import { join } from 'node:path';
import { CounterSet, taskContext } from './context.ts';
import { isMapReduce, type Stage } from './job.ts';
import type { Key } from './keys.ts';
import { REJECTS_OUTPUT, resolveInput } from './stage.ts';
import { SliceClock } from './slice-clock.ts';
import { openTaskOutputs } from './task-outputs.ts';
import { atPosition, type TaskExecution, type TaskResult } from './task-execution.ts';
import { ShuffleCollector } from './shuffle/collector.ts';
import { readBatches } from '../io/batches.ts';
import { getInputReader } from '../io/registry.ts';
import type { RecordBatch } from '../io/types.ts';

const PROGRESS_EVERY = 10_000;

export async function executeMap(exec: TaskExecution): Promise<TaskResult> {
  const { env, job, run, task, signal } = exec;
  const slice = task.slices?.length ?? 0;
  const stage: Stage = job.stages[task.stage]!;
  const def = stage.def;
  const counters = new CounterSet();
  const ctx = await taskContext(exec, counters, {});
  const spec = resolveInput(job, stage, run);
  const reader = getInputReader(spec.type);
  const io = { files: env.files, entities: env.entities, blobs: env.blobs, logger: env.logger };

  const mapReduce = isMapReduce(def);
  // A map-reduce stage's map writes no records, but rejected input still needs somewhere to go.
  const outputs = openTaskOutputs(exec, mapReduce ? [REJECTS_OUTPUT] : undefined);
  const collector = mapReduce
    ? new ShuffleCollector({
        partitions: run.options.partitions,
        memoryBudgetBytes: def.memoryBudgetBytes ?? run.options.memoryBudgetBytes,
        scratchDir: join(env.scratchDir, run.runId, `${task.taskId}-a${task.attempt}`),
        ...(def.combine ? { combine: (key: Key, values: unknown[]) => def.combine!(key, values, ctx) } : {}),
      })
    : undefined;
  const emit = collector ? (key: Key, value: unknown) => collector.emit(key, value) : outputs.emit;
  const map = def.map as (record: unknown, emit: unknown, c: typeof ctx, state: unknown) => unknown;
  // The task's own state across records (MapTaskHooks): fresh for every attempt and slice.
  let state: unknown;

  // Records of earlier slices, so progress reports count on from where the task was.
  const before = task.counters?.['map-records'] ?? 0;
  const clock = new SliceClock(exec.slice, env.now);
  let checkpoint: unknown;
  let last: RecordBatch<unknown> | undefined; // the batch of the record done last, and its index
  let lastIndex = 0;
  let records = 0;
  let sinceProgress = 0;
  try {
    try {
      state = def.mapStart?.(ctx);
    } catch (err) {
      throw atPosition(err, 'mapStart, before the first record');
    }
    reading: for await (const batch of readBatches(reader, spec, task.checkpoint ?? task.split, io)) {
      if (signal.aborted) throw signal.reason;
      const { values, bad } = batch;
      for (let i = 0; i < values.length; i++) {
        if (clock.due()) {
          checkpoint = last!.resumeAfter?.(lastIndex);
          if (checkpoint !== undefined) break reading;
          if (!last!.resumeAfter) {
            env.logger.warn(
              `input "${spec.type}" cannot resume mid-split, so task ${task.taskId} runs past its time budget to the end of its split`,
            );
            clock.disable();
          }
        }
        last = batch;
        lastIndex = i;
        const rejected = bad?.get(i);
        if (rejected) {
          if (def.badRecords !== 'skip') throw atPosition(rejected.error, await batch.position(i));
          counters.add('bad-records');
          outputs.emit(
            { position: await batch.position(i), error: rejected.error.message, raw: rejected.raw },
            REJECTS_OUTPUT,
          );
          continue;
        }
        records++;
        try {
          const pending = map(values[i], emit, ctx, state);
          if (pending instanceof Promise) await pending;
        } catch (err) {
          throw atPosition(err, await batch.position(i));
        }
        if (collector?.overBudget) await collector.spill();
      }
      if (!collector) await outputs.settle();
      sinceProgress += values.length;
      if (sinceProgress >= PROGRESS_EVERY) {
        sinceProgress = 0;
        env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + records });
      }
    }
    env.onProgress?.({ runId: run.runId, taskId: task.taskId, records: before + records });
    counters.add('map-records', records);
    if (def.mapEnd) {
      try {
        const pending = def.mapEnd(emit as never, ctx, state);
        if (pending instanceof Promise) await pending;
      } catch (err) {
        throw atPosition(
          err,
          `mapEnd, after ${records} records${checkpoint === undefined ? '' : ' (a slice)'}`,
        );
      }
      if (collector?.overBudget) await collector.spill();
    }

    const resume = checkpoint === undefined ? {} : { checkpoint };
    if (!collector)
      return { output: { parts: await outputs.close() }, counters: counters.snapshot(), ...resume };

    // Every claim is a new attempt, so `a<attempt>` alone is unique; `-s<n>` marks a continuation.
    const name = `tmp/${run.runId}/${stage.name}/map/${task.taskId}/a${task.attempt}${slice > 0 ? `-s${slice}` : ''}`;
    await env.blobs.put(name, collector.finish(), { createOnly: true });
    counters.add('map-emits', collector.recordsIn);
    counters.add('map-spills', collector.spills);
    return {
      output: {
        shuffleObject: name,
        partitions: collector.index,
        spills: collector.spills,
        parts: await outputs.close(),
      },
      counters: counters.snapshot(),
      ...resume,
    };
  } catch (err) {
    await outputs.abort();
    throw err;
  } finally {
    await collector?.dispose();
  }
}
