// Builds the `ctx` a user's map/combine/reduce sees, and the counters behind `ctx.count`.

import type { JobContext, TaskIdentity } from './job.ts';
import type { Logger } from './logger.ts';
import type { Counters } from './records.ts';

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
