// A counting decorator over the ports: every call is counted as the billed operations the cloud
// adapters make for it (GcsBlobStore, PubSubMessageBus, DatastoreStateStore, BigQueryWarehouse),
// into the UsageMeter of the handler invocation. One decorator for both runtimes: a local run's
// figures are the operations the same run makes in the cloud. test/cloud/usage.test.ts checks the
// mapping against the requests the GCS and BigQuery fakes and the Pub/Sub emulator received.
//
// What a port call cannot see: client retries, the chunks of a resumable upload (objects over
// 8 MiB: counted as one upload), Datastore transactions retried on contention, and tasks a
// redelivered split message finds already inserted (counted as written).

import type { EngineEnv } from './env.ts';
import { PUBSUB_MIN_BILLED_BYTES, type UsageMeter } from './usage.ts';
import type { BlobStore, ByteRange } from '../ports/blob-store.ts';
import type { EntityQuery, EntityStore } from '../ports/entity-store.ts';
import type { InputFiles } from '../ports/input-files.ts';
import type { MessageBus, OutgoingMessage, Topic } from '../ports/message-bus.ts';
import type { StateStore } from '../ports/state-store.ts';
import type { Warehouse } from '../ports/warehouse.ts';

/** Objects per page of a Cloud Storage listing (the adapters ask for the maximum). */
const LIST_PAGE = 1000;
/** Index entries per billed read of a Datastore aggregation query. */
const COUNT_BATCH = 1000;
const WILDCARD = /[*?[]/;

export function meteredEnv(env: EngineEnv, meter: UsageMeter): EngineEnv {
  return {
    ...env,
    usage: meter,
    blobs: meteredBlobs(env.blobs, meter),
    bus: meteredBus(env.bus, meter),
    state: meteredState(env.state, meter),
    entities: meteredEntities(env.entities, meter),
    warehouse: meteredWarehouse(env.warehouse, meter),
    files: meteredFiles(env.files, meter),
  };
}

/** Bytes Pub/Sub bills for one message (its JSON body and attributes). */
export function messageBytes(message: { data: unknown; attributes?: Record<string, string> }): number {
  let bytes = Buffer.byteLength(JSON.stringify(message.data) ?? '');
  for (const [k, v] of Object.entries(message.attributes ?? {})) bytes += k.length + v.length;
  return bytes;
}

/** Counts a listing's pages as its items pass: the first page, then one per full page. */
async function* paged<T>(items: AsyncIterable<T>, meter: UsageMeter): AsyncIterable<T> {
  meter.add('gcsClassA');
  let n = 0;
  for await (const item of items) {
    if (n > 0 && n % LIST_PAGE === 0) meter.add('gcsClassA');
    n++;
    yield item;
  }
}

function countedRead(read: AsyncIterable<Buffer>, meter: UsageMeter): AsyncIterable<Buffer> {
  return (async function* () {
    meter.add('gcsClassB');
    yield* read;
  })();
}

function meteredBlobs(blobs: BlobStore, meter: UsageMeter): BlobStore {
  return {
    location: blobs.location,
    put: (name, data, options) => (meter.add('gcsClassA'), blobs.put(name, data, options)),
    get: (name) => (meter.add('gcsClassB'), blobs.get(name)),
    read: (name: string, range?: ByteRange) => countedRead(blobs.read(name, range), meter),
    stat: (name) => (meter.add('gcsClassB'), blobs.stat(name)),
    list: (prefix) => paged(blobs.list(prefix), meter),
    delete: (name) => (meter.add('gcsFree'), blobs.delete(name)),
    deletePrefix: async (prefix) => {
      const n = await blobs.deletePrefix(prefix);
      meter.add('gcsClassA', Math.max(1, Math.ceil(n / LIST_PAGE)));
      meter.add('gcsFree', n);
      return n;
    },
  };
}

function meteredFiles(files: InputFiles, meter: UsageMeter): InputFiles {
  return {
    expand: async (patterns) => {
      const found = await files.expand(patterns);
      for (const pattern of patterns) {
        const path = pattern.replace(/^gs:\/\/[^/]+\/?/, '');
        if (WILDCARD.test(path) || path === '' || path.endsWith('/')) {
          const prefix = path.slice(0, path.search(WILDCARD) < 0 ? path.length : path.search(WILDCARD));
          const listed = found.filter((f) => f.uri.includes(prefix)).length;
          meter.add('gcsClassA', Math.max(1, Math.ceil(listed / LIST_PAGE)));
        } else meter.add('gcsClassB');
      }
      return found;
    },
    read: (uri, range, pinned, options) => countedRead(files.read(uri, range, pinned, options), meter),
  };
}

function meteredBus(bus: MessageBus, meter: UsageMeter): MessageBus {
  return {
    publish: (topic: Topic, messages: readonly OutgoingMessage[]) => {
      // One publish request per 1000 messages (PubSubMessageBus batches so), billed ≥ 1000 bytes.
      for (let i = 0; i < messages.length; i += 1000) {
        const bytes = messages.slice(i, i + 1000).reduce((sum, m) => sum + messageBytes(m), 0);
        meter.add('pubsubBytes', Math.max(PUBSUB_MIN_BILLED_BYTES, bytes));
      }
      meter.add('pubsubPublished', messages.length);
      return bus.publish(topic, messages);
    },
  };
}

function meteredState(state: StateStore, meter: UsageMeter): StateStore {
  const read = (n = 1) => meter.add('datastoreReads', Math.max(1, n));
  const updated = <T extends { changed: boolean } | undefined>(result: T): T => {
    if (result?.changed) meter.add('datastoreWrites');
    return result;
  };
  const wrapped: StateStore = {
    insertRun: async (run) => {
      const inserted = await state.insertRun(run);
      if (inserted) meter.add('datastoreWrites');
      return inserted;
    },
    getRun: (runId) => (read(), state.getRun(runId)),
    updateRun: async (runId, mutate) => (read(), updated(await state.updateRun(runId, mutate))),
    listRuns: async (options) => {
      const runs = await state.listRuns(options);
      read(runs.length);
      return runs;
    },
    listRunsPage: async (filter, request) => {
      const page = await state.listRunsPage(filter, request);
      read(page.runs.length);
      return page;
    },
    insertTasks: (tasks) => {
      // A transaction per batch looks the keys up and inserts the missing ones: on first planning
      // all of them (a redelivered split message finds them and writes nothing; counted the same).
      read(tasks.length);
      meter.add('datastoreWrites', tasks.length);
      return state.insertTasks(tasks);
    },
    getTask: (runId, taskId) => (read(), state.getTask(runId, taskId)),
    getTasks: (runId, ids) => (read(ids.length), state.getTasks(runId, ids)),
    updateTask: async (runId, taskId, mutate) => (
      read(),
      updated(await state.updateTask(runId, taskId, mutate))
    ),
    listTasks: async (runId, filter) => {
      const tasks = await state.listTasks(runId, filter);
      read(tasks.length);
      return tasks;
    },
    listTasksPage: async (runId, filter, request) => {
      const page = await state.listTasksPage(runId, filter, request);
      read(page.tasks.length);
      return page;
    },
    countTasks: async (runId, filter) => {
      const n = await state.countTasks(runId, filter);
      read(Math.ceil(n / COUNT_BATCH));
      return n;
    },
  };
  if (state.close) wrapped.close = () => state.close!();
  return wrapped;
}

function meteredEntities(entities: EntityStore, meter: UsageMeter): EntityStore {
  return {
    upsert: (list) => (meter.add('datastoreWrites', list.length), entities.upsert(list)),
    delete: (keys) => (meter.add('datastoreWrites', keys.length), entities.delete(keys)),
    get: (keys) => (meter.add('datastoreReads', keys.length), entities.get(keys)),
    query: (query: EntityQuery) =>
      (async function* () {
        let n = 0;
        for await (const entity of entities.query(query)) {
          n++;
          yield entity;
        }
        meter.add('datastoreReads', Math.max(1, n));
      })(),
    splitKeyRanges: (query, n) => (meter.add('datastoreReads', n), entities.splitKeyRanges(query, n)),
  };
}

function meteredWarehouse(warehouse: Warehouse, meter: UsageMeter): Warehouse {
  const wrapped: Warehouse = {
    load: (request) => (meter.add('bigqueryLoads'), warehouse.load(request)),
    query: (sql) => warehouse.query(sql),
  };
  if (warehouse.close) wrapped.close = () => warehouse.close!();
  return wrapped;
}
