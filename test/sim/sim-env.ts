// The EngineEnv one simulated process sees: the world's shared in-memory stores behind the gate
// (every call takes virtual time and may fail), the scheduler's clock and timers, and a logger that
// writes into the trace.

import type { EngineEnv } from '../../src/core/env.ts';
import { createLogger } from '../../src/core/logger.ts';
import { functionTaskLimitMillis } from '../../src/core/slice-clock.ts';
import type { BlobData, BlobStore, PutOptions } from '../../src/ports/blob-store.ts';
import type { EntityStore } from '../../src/ports/entity-store.ts';
import type { InputFiles } from '../../src/ports/input-files.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import type { StateStore } from '../../src/ports/state-store.ts';
import type { Warehouse } from '../../src/ports/warehouse.ts';
import { collect } from './memory-blob-store.ts';
import type { Proc } from './scheduler.ts';
import type { World } from './world.ts';

export function processEnv(world: World, proc: Proc): EngineEnv {
  const { gate, sched } = world;
  const call = <T>(op: string, write: boolean, apply: () => T, label?: string) =>
    gate.call(proc, op, write, apply, label);
  const s = world.state;
  const state: StateStore = {
    insertRun: (run) => call('state.insertRun', true, () => s.insertRunNow(run), run.runId),
    getRun: (id) => call('state.getRun', false, () => s.getRunNow(id)),
    updateRun: (id, m) => call('state.updateRun', true, () => s.updateRunNow(id, m), id),
    listRuns: (o) => call('state.listRuns', false, () => s.listRunsNow(o)),
    listRunsPage: (f, p) =>
      call('state.listRunsPage', false, () => s.listRunsPageNow(f, p), JSON.stringify(f)),
    insertTasks: (t) => call('state.insertTasks', true, () => s.insertTasksNow(t), `${t.length} task(s)`),
    getTask: (r, t) => call('state.getTask', false, () => s.getTaskNow(r, t), t),
    getTasks: (r, t) => call('state.getTasks', false, () => s.getTasksNow(r, t)),
    updateTask: (r, t, m) => call('state.updateTask', true, () => s.updateTaskNow(r, t, m), t),
    listTasks: (r, f) => call('state.listTasks', false, () => s.listTasksNow(r, f), JSON.stringify(f ?? {})),
    listTasksPage: (r, f, p) =>
      call('state.listTasksPage', false, () => s.listTasksPageNow(r, f, p), JSON.stringify(f)),
    countTasks: (r, f) => call('state.countTasks', false, () => s.countTasksNow(r, f), JSON.stringify(f)),
  };
  const b = world.blobs;
  const blobs: BlobStore = {
    location: b.location,
    async put(name: string, data: BlobData, options?: PutOptions) {
      const bytes = await collect(data); // the upload: the process's own time
      return call('blobs.put', true, () => b.putNow(name, bytes, options), name);
    },
    get: (name) => call('blobs.get', false, () => b.getNow(name), name),
    async *read(name, range) {
      yield await call('blobs.read', false, () => b.getNow(name, range), name);
    },
    stat: (name) => call('blobs.stat', false, () => b.statNow(name), name),
    async *list(prefix) {
      yield* await call('blobs.list', false, () => b.listNow(prefix), prefix);
    },
    delete: (name) => call('blobs.delete', true, () => b.deleteNow(name), name),
    deletePrefix: (prefix) => call('blobs.deletePrefix', true, () => b.deletePrefixNow(prefix), prefix),
  };
  const e = world.entities;
  const entities: EntityStore = {
    upsert: (list) => call('entities.upsert', true, () => e.upsertNow(list), `${list.length}`),
    delete: (keys) => call('entities.delete', true, () => e.deleteNow(keys)),
    get: (keys) => call('entities.get', false, () => e.getNow(keys)),
    async *query(q) {
      yield* await call('entities.query', false, () => e.queryNow(q), q.kind);
    },
    splitKeyRanges: () => call('entities.splitKeyRanges', false, () => [{}]),
  };
  const files: InputFiles = {
    expand: (patterns) =>
      call('files.expand', false, () => world.files.expandNow(patterns), patterns.join(',')),
    async *read(uri, range) {
      yield await call('files.read', false, () => world.files.readNow(uri, range), uri);
    },
  };
  const warehouse: Warehouse = {
    load: (request) => call('warehouse.load', true, () => world.warehouse.loadNow(request), request.jobId),
    query: (sql) => call('warehouse.query', false, () => world.warehouse.queryNow(sql)),
  };
  const bus: MessageBus = {
    publish: (topic, messages) =>
      call('bus.publish', true, () => world.publish(topic, messages), `${topic} ×${messages.length}`),
  };
  return {
    blobs,
    bus,
    state,
    entities,
    warehouse,
    files,
    jobs: world.jobs,
    logger: createLogger((severity, message) => {
      if (severity !== 'DEBUG') sched.log(`#${proc.id} ${proc.name} ${severity}: ${message}`);
    }, 'INFO'),
    scratchDir: '/nonexistent/cloudreduce-sim-scratch',
    workerId: `w${proc.id}`,
    leaseMillis: world.config.leaseMillis,
    // The cloud's budget and limit: the simulated function is killed at 540 s too (world.ts).
    ...(world.config.taskBudgetMillis !== undefined
      ? {
          taskBudgetMillis: world.config.taskBudgetMillis,
          taskLimitMillis: functionTaskLimitMillis(world.config.taskBudgetMillis),
        }
      : {}),
    ...(world.config.reduceTaskBytes !== undefined ? { reduceTaskBytes: world.config.reduceTaskBytes } : {}),
    ...(world.config.reduceFanIn !== undefined ? { reduceFanIn: world.config.reduceFanIn } : {}),
    now: () => sched.now,
    repeat: (millis, tick) => sched.repeat(proc, millis, tick),
  };
}
