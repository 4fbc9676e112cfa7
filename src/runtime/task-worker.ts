// A worker thread that runs map and reduce tasks with its own adapters (its own SQLite
// connections, same data directory). It publishes through the main thread's bus, so the core
// handler is exactly the one the cloud functions run.

import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULTS } from '../core/defaults.ts';
import type { EngineEnv } from '../core/env.ts';
import { fromErrorInfo, toErrorInfo } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { dispatch } from '../core/dispatch.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { loadJobs } from './job-modules.ts';
import { openLocalAdapters } from './local-adapters.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker) => port.postMessage(m);

let nextPublish = 0;
const waiting = new Map<number, { resolve: (ids: string[]) => void; reject: (e: Error) => void }>();

const bus: MessageBus = {
  publish: (topic, messages) =>
    new Promise((resolve, reject) => {
      const id = nextPublish++;
      waiting.set(id, { resolve, reject });
      send({ type: 'publish', id, topic, messages: [...messages] });
    }),
};

const adapters = openLocalAdapters(init.dataDir, init.cwd);
const jobs = await loadJobs(init.userModules);
const env: EngineEnv = {
  ...adapters,
  bus,
  jobs,
  logger: createLogger(
    (severity, message, fields) => send({ type: 'log', severity, message, fields }),
    'DEBUG',
  ),
  workerId: init.workerId,
  leaseMillis: init.leaseMillis ?? DEFAULTS.leaseMillis,
  ...(init.taskBudgetMillis !== undefined ? { taskBudgetMillis: init.taskBudgetMillis } : {}),
  ...(init.reduceTaskBytes !== undefined ? { reduceTaskBytes: init.reduceTaskBytes } : {}),
  ...(init.reduceFanIn !== undefined ? { reduceFanIn: init.reduceFanIn } : {}),
  ...(init.reduceMinTasks !== undefined ? { reduceMinTasks: init.reduceMinTasks } : {}),
  now: Date.now,
  onProgress: (p) => send({ type: 'progress', ...p }),
};

port.on('message', (m: ToWorker) => {
  if (m.type === 'published') {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(fromErrorInfo(m.error));
    else w?.resolve(m.ids ?? []);
    return;
  }
  dispatch(env, m.topic, m.message).then(
    () => send({ type: 'done', id: m.id }),
    (err: unknown) => send({ type: 'done', id: m.id, error: toErrorInfo(err) }),
  );
});
send({ type: 'ready' });
