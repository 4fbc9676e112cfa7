// Builds the `ctx` a user's map/combine/reduce sees, and the counters behind `ctx.count`.

import type { JobContext, TaskIdentity } from './job.ts';
import type { Logger } from './logger.ts';
import type { Counters } from './records.ts';
import { loadSideInputs } from './side-inputs.ts';
import { jobParams } from './stage.ts';
import type { TaskExecution } from './task-execution.ts';

export class CounterSet {
  readonly values: Counters = Object.create(null) as Counters;

  add(name: string, n = 1): void {
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new TypeError(`ctx.count("${name}", n): n must be a finite number, got ${String(n)}`);
    }
    this.values[name] = (this.values[name] ?? 0) + n;
  }

  snapshot(): Counters {
    return { ...this.values };
  }
}

export interface ContextInit {
  params: Record<string, unknown>;
  job: string;
  runId: string;
  stage: string;
  task: TaskIdentity;
  runStartedAt: Date;
  logger: Logger;
  counters: CounterSet;
  mapCounters: Counters;
  side: Record<string, readonly unknown[]>;
}

export function createJobContext(init: ContextInit): JobContext {
  const counters = init.counters;
  return {
    params: init.params,
    job: init.job,
    runId: init.runId,
    stage: init.stage,
    task: init.task,
    runStartedAt: init.runStartedAt,
    log: init.logger,
    count: (name: string, n?: number) => counters.add(name, n),
    mapCounters: Object.freeze({ ...init.mapCounters }),
    side: Object.freeze({ ...init.side }),
  };
}

/** The ctx of a running map or reduce task: its identity, params, side inputs and counters. */
export async function taskContext(
  exec: TaskExecution,
  counters: CounterSet,
  mapCounters: Counters,
): Promise<JobContext> {
  const { env, job, run, task } = exec;
  return createJobContext({
    params: jobParams(job, run),
    job: job.name,
    runId: run.runId,
    stage: job.stages[task.stage]!.name,
    task: { id: task.taskId, phase: task.phase, index: task.index, attempt: task.attempt },
    runStartedAt: new Date(run.createdAt),
    logger: env.logger,
    counters,
    mapCounters,
    side: await loadSideInputs(env, job, run, task.stage),
  });
}
