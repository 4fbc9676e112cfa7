// The record side of a task: `emit(record, output?)` routed to the stage's output writers, flushed
// and closed at the end. Map-only stages use it from map; map-reduce stages from reduce.

import { ConfigError } from './errors.ts';
import { REJECTS_OUTPUT, stageOutputs } from './stage.ts';
import type { TaskExecution } from './task-execution.ts';
import { getOutputWriter } from '../io/registry.ts';
import type { TaskOutputWriter } from '../io/types.ts';
import type { TaskOutput } from './records.ts';

export interface TaskOutputs {
  emit: (record: unknown, output?: string) => void;
  /** Resolves writes that returned promises (entity batches); call between records. */
  settle(): Promise<void>;
  close(): Promise<NonNullable<TaskOutput['parts']>>;
  abort(): Promise<void>;
}

/** Opens the stage's outputs, or only those in `only` (the map phase of a map-reduce stage writes just rejects). */
export function openTaskOutputs(exec: TaskExecution, only?: readonly string[]): TaskOutputs {
  const { env, job, run, task } = exec;
  const stage = job.stages[task.stage]!;
  const specs = stageOutputs(job, stage, run);
  const writers = new Map<string, TaskOutputWriter>();
  for (const [name, spec] of Object.entries(specs)) {
    if (only && !only.includes(name)) continue;
    writers.set(
      name,
      getOutputWriter(spec.type).open(spec, {
        files: env.files,
        entities: env.entities,
        blobs: env.blobs,
        logger: env.logger,
        runId: run.runId,
        job: job.name,
        stage: stage.index,
        stageName: stage.name,
        outputName: name,
        taskId: task.taskId,
        attempt: task.attempt,
      }),
    );
  }
  const userOutputs = [...writers.keys()].filter((n) => n !== REJECTS_OUTPUT);
  const single = userOutputs.length === 1 ? writers.get(userOutputs[0]!) : undefined;
  let pending: Promise<void>[] = [];

  const emit = (record: unknown, output?: string): void => {
    const writer = output === undefined ? single : writers.get(output);
    if (!writer) {
      throw new ConfigError(
        output === undefined
          ? `Stage "${stage.name}" has several outputs (${userOutputs.join(', ')}): name one, e.g. emit(record, "${userOutputs[0]}").`
          : `Stage "${stage.name}" has no output "${output}" (outputs: ${userOutputs.join(', ')}).`,
      );
    }
    const result = writer.write(record);
    if (result instanceof Promise) pending.push(result);
  };

  return {
    emit,
    async settle() {
      if (pending.length === 0) return;
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
    },
    async close() {
      await this.settle();
      const parts: NonNullable<TaskOutput['parts']> = {};
      for (const [name, writer] of writers) parts[name] = (await writer.close()).parts;
      return parts;
    },
    async abort() {
      await Promise.allSettled(pending);
      await Promise.allSettled([...writers.values()].map((w) => w.abort()));
    },
  };
}
