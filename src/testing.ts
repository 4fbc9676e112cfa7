// `cloudreduce/testing`: run a job in one call against the local runtime and get its outputs back,
// for users' unit tests of their map/combine/reduce (like functions-framework's /testing).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from './core/job.ts';
import type { Logger } from './core/logger.ts';
import type { JobMessage } from './core/messages.ts';
import type { RunRecord } from './core/records.ts';
import { JobRegistry } from './core/registry.ts';
import type { Entity } from './ports/entity-store.ts';
import type { DeliveryStats, FaultPlan } from './adapters/local/local-message-bus.ts';
import { LocalRuntime } from './runtime/local-runtime.ts';

export interface RunJobOptions extends Omit<JobMessage, 'job'> {
  /** Entities to store before the run (for jobs that read entities). */
  entities?: Entity[];
  /** Keep the data directory (default: a temp dir, removed afterwards unless this is set). */
  dataDir?: string;
  cwd?: string;
  logger?: Logger;
  faults?: FaultPlan;
  /** 0 (default) runs tasks on this thread, so the job needs no importable module. */
  workers?: number;
  userModules?: string[];
  /** Slice map and reduce tasks after this many ms, as the cloud does (0: after every record or key). */
  taskBudgetMillis?: number;
  /** Shuffle tuning: bytes per reduce task and merge fan-in (small values force ranges and merge passes). */
  shuffle?: { reduceTaskBytes?: number; reduceFanIn?: number };
}

export interface RunJobResult {
  run: RunRecord;
  /** Each output's records: table rows (from the warehouse) or NDJSON file records. */
  outputs: Record<string, Record<string, unknown>[]>;
  /** What the local bus did (deliveries, injected duplicates and losses). */
  delivery: DeliveryStats;
}

export async function runJob(job: Job, options: RunJobOptions = {}): Promise<RunJobResult> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cloudreduce-test-')));
  const jobs = new JobRegistry();
  jobs.register(job);
  const {
    entities,
    cwd,
    logger,
    faults,
    workers,
    userModules,
    taskBudgetMillis,
    shuffle,
    dataDir: _d,
    ...message
  } = options;
  const runtime = new LocalRuntime({
    dataDir,
    jobs,
    workers: workers ?? 0,
    ...(cwd ? { cwd } : {}),
    ...(logger ? { logger } : {}),
    ...(faults ? { faults } : {}),
    ...(userModules ? { userModules } : {}),
    ...(taskBudgetMillis !== undefined ? { taskBudgetMillis } : {}),
    ...(shuffle ? { shuffle } : {}),
    leaseMillis: 5_000,
  });
  try {
    if (entities?.length) {
      for (let i = 0; i < entities.length; i += 500)
        await runtime.adapters.entities.upsert(entities.slice(i, i + 500));
    }
    const runId = await runtime.submit({ ...message, job: job.name });
    const run = await runtime.wait(runId, undefined, 20);
    return { run, outputs: await readOutputs(runtime, run), delivery: { ...runtime.bus.stats } };
  } finally {
    await runtime.close();
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

async function readOutputs(runtime: LocalRuntime, run: RunRecord): Promise<RunJobResult['outputs']> {
  const outputs: RunJobResult['outputs'] = {};
  for (const stage of run.stages) {
    for (const [name, summary] of Object.entries(stage.outputs ?? {})) {
      if (summary.type === 'table') {
        outputs[name] = await runtime.adapters.warehouse.query(`SELECT * FROM "${summary.target}"`);
      } else if (summary.files) {
        const records: Record<string, unknown>[] = [];
        for (const file of summary.files) {
          const text = (await runtime.adapters.blobs.get(file)).toString('utf8');
          for (const line of text.split('\n'))
            if (line) records.push(JSON.parse(line) as Record<string, unknown>);
        }
        outputs[name] = records;
      }
    }
  }
  return outputs;
}
