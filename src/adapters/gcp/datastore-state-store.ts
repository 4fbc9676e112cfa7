// DatastoreStateStore: runs and tasks as Firestore-in-Datastore-mode entities. The whole record is
// one unindexed JSON property; the fields queries filter or sort on are copied into indexed
// properties. Every update is a transaction (read, mutate, write) retried on contention, so
// concurrent claims and commits of one task serialise and exactly one wins. Tasks are top-level
// entities named "<runId>/<taskId>", so task commits never share an entity group with the run.

import type { Datastore, Key, Transaction } from '@google-cloud/datastore';
import { PropertyFilter } from '@google-cloud/datastore';
import { ConfigError, NonRetryableError } from '../../core/errors.ts';
import type { RunRecord, TaskRecord } from '../../core/records.ts';
import type {
  Mutator,
  RunFilter,
  RunPage,
  RunPageRequest,
  StateStore,
  TaskFilter,
  TaskPage,
  TaskPageRequest,
  UpdateResult,
} from '../../ports/state-store.ts';
import { TASK_BATCH_SIZE } from '../../ports/state-store.ts';
import { GRPC, backendError, grpcCode } from './backend-errors.ts';
import { createDatastore, inTransaction } from './datastore-client.ts';
import type { DatastoreClientOptions } from './datastore-client.ts';
import { stateKinds } from './indexes.ts';
import { KeyedMutex } from './keyed-mutex.ts';

export interface DatastoreStateStoreOptions extends DatastoreClientOptions {
  /** Share a client; when set, projectId/apiEndpoint/databaseId are ignored. */
  datastore?: Datastore;
  /** Isolates deployments (and tests) sharing a database. */
  namespace?: string;
  /** Kinds are "<prefix>Run" and "<prefix>Task"; the default prefix is "CloudReduce". */
  kindPrefix?: string;
}

/** Datastore mode's commit limit; also bounds one insertTasks transaction. */
const BATCH = 500;
/** An entity is at most 1,048,572 bytes; leave room for the indexed copies and the key. */
const MAX_RECORD_BYTES = 1_000_000;

type Entity = Record<string, unknown>;

export class DatastoreStateStore implements StateStore {
  readonly #ds: Datastore;
  readonly #namespace: string | undefined;
  readonly #kinds: { run: string; task: string };
  readonly #updates = new KeyedMutex();

  constructor(options: DatastoreStateStoreOptions) {
    this.#ds = options.datastore ?? createDatastore(options);
    this.#namespace = options.namespace;
    this.#kinds = stateKinds(options.kindPrefix);
  }

  async insertRun(run: RunRecord): Promise<boolean> {
    try {
      await this.#ds.insert(this.#runEntity(run));
      return true;
    } catch (err) {
      if (grpcCode(err) === GRPC.ALREADY_EXISTS) return false;
      throw backendError(err, `Inserting run ${run.runId}`);
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const [entity] = await this.#get([this.#runKey(runId)], `Reading run ${runId}`);
    return recordOf<RunRecord>(entity);
  }

  updateRun(runId: string, mutate: Mutator<RunRecord>): Promise<UpdateResult<RunRecord> | undefined> {
    return this.#update(this.#runKey(runId), `run ${runId}`, mutate, (next) => {
      if (next.runId !== runId) throw identityChanged(`run ${runId}`, `run ${next.runId}`);
      return this.#runEntity(next);
    });
  }

  async listRuns(options: { limit?: number; job?: string } = {}): Promise<RunRecord[]> {
    const { limit, job } = options;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
      throw new ConfigError(
        `listRuns limit must be a positive integer; got ${limit}. Omit it to list every run.`,
      );
    }
    let query = this.#query(this.#kinds.run);
    if (job !== undefined) query = query.filter(new PropertyFilter('job', '=', job));
    query = query.order('createdAt', { descending: true }).order('__key__', { descending: true });
    if (limit !== undefined) query = query.limit(limit);
    const entities = await this.#run(query, 'Listing runs');
    return entities.map((e) => recordOf<RunRecord>(e)!);
  }

  async listRunsPage(filter: RunFilter, page: RunPageRequest): Promise<RunPage> {
    if (!Number.isSafeInteger(page.limit) || page.limit < 1) {
      throw new ConfigError(`listRunsPage limit must be a positive integer; got ${page.limit}.`);
    }
    // Equality only and no sort: key (runId) order from the built-in single-property index on
    // status, so no composite index is needed (indexes.ts).
    let query = this.#query(this.#kinds.run);
    if (filter.status !== undefined) query = query.filter(new PropertyFilter('status', '=', filter.status));
    query = query.limit(page.limit);
    if (page.cursor !== undefined) query = query.start(page.cursor);
    try {
      const [entities, info] = await this.#ds.runQuery(query);
      const runs = (entities as Entity[]).map((e) => recordOf<RunRecord>(e)!);
      const more = info.moreResults !== 'NO_MORE_RESULTS' && info.endCursor !== undefined;
      return more ? { runs, cursor: info.endCursor } : { runs };
    } catch (err) {
      throw backendError(err, 'Listing a page of runs');
    }
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    for (let i = 0; i < tasks.length; i += BATCH) {
      // Dedupe within the batch: Datastore rejects a commit that names one key twice.
      const batch = [
        ...new Map(tasks.slice(i, i + BATCH).map((t) => [`${t.runId}/${t.taskId}`, t])).values(),
      ];
      const keys = batch.map((t) => this.#taskKey(t.runId, t.taskId));
      await inTransaction(this.#ds, `Inserting ${batch.length} tasks`, async (tx) => {
        const [found] = await tx.get(keys);
        const existing = new Set((found as Entity[]).map((e) => this.#keyOf(e).name));
        const missing = batch.filter((t) => !existing.has(`${t.runId}/${t.taskId}`));
        tx.insert(missing.map((t) => this.#taskEntity(t)));
        return { result: undefined, write: missing.length > 0 };
      });
    }
  }

  async getTask(runId: string, taskId: string): Promise<TaskRecord | undefined> {
    return (await this.getTasks(runId, [taskId]))[0];
  }

  async getTasks(runId: string, taskIds: readonly string[]): Promise<(TaskRecord | undefined)[]> {
    if (taskIds.length === 0) return [];
    const unique = [...new Set(taskIds)];
    const byName = new Map<string, TaskRecord>();
    for (let i = 0; i < unique.length; i += 1000) {
      const keys = unique.slice(i, i + 1000).map((id) => this.#taskKey(runId, id));
      for (const e of await this.#get(keys, `Reading tasks of run ${runId}`)) {
        const record = recordOf<TaskRecord>(e);
        if (record) byName.set(record.taskId, record);
      }
    }
    return taskIds.map((id) => byName.get(id));
  }

  updateTask(
    runId: string,
    taskId: string,
    mutate: Mutator<TaskRecord>,
  ): Promise<UpdateResult<TaskRecord> | undefined> {
    return this.#update(this.#taskKey(runId, taskId), `task ${taskId} of run ${runId}`, mutate, (next) => {
      if (next.runId !== runId || next.taskId !== taskId) {
        throw identityChanged(`task ${taskId} of run ${runId}`, `task ${next.taskId} of run ${next.runId}`);
      }
      return this.#taskEntity(next);
    });
  }

  async listTasks(runId: string, filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const entities = await this.#run(this.#taskQuery(runId, filter), `Listing tasks of run ${runId}`);
    // Sorted here rather than by the query: equality-only queries need no composite index.
    return entities
      .map((e) => recordOf<TaskRecord>(e)!)
      .sort((a, b) => a.stage - b.stage || a.phase.localeCompare(b.phase) || a.index - b.index);
  }

  async listTasksPage(runId: string, filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage> {
    if (!Number.isSafeInteger(page.limit) || page.limit < 1) {
      throw new ConfigError(`listTasksPage limit must be a positive integer; got ${page.limit}.`);
    }
    // Equality-only queries come back in key order; task keys are "<runId>/s<stage>-<phase>-<index
    // padded to 5 digits>", so within one (stage, phase) that is index order.
    let query = this.#taskQuery(runId, filter).limit(page.limit);
    if (page.cursor !== undefined) query = query.start(page.cursor);
    try {
      const [entities, info] = await this.#ds.runQuery(query);
      const tasks = (entities as Entity[])
        .map((e) => recordOf<TaskRecord>(e)!)
        .sort((a, b) => a.stage - b.stage || a.phase.localeCompare(b.phase) || a.index - b.index);
      const more = info.moreResults !== 'NO_MORE_RESULTS' && info.endCursor !== undefined;
      return more ? { tasks, cursor: info.endCursor } : { tasks };
    } catch (err) {
      throw backendError(err, `Listing a page of tasks of run ${runId}`);
    }
  }

  async countTasks(runId: string, filter: TaskFilter): Promise<number> {
    const aggregate = this.#ds.createAggregationQuery(this.#taskQuery(runId, filter)).count('n');
    try {
      const [rows] = await this.#ds.runAggregationQuery(aggregate);
      return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
    } catch (err) {
      throw backendError(err, `Counting tasks of run ${runId}`);
    }
  }

  async close(): Promise<void> {
    // The Datastore client has no close(); its gRPC channels end with the process.
  }

  async #update<T extends RunRecord | TaskRecord>(
    key: Key,
    what: string,
    mutate: Mutator<T>,
    toEntity: (next: T) => { key: Key; data: Entity; excludeFromIndexes: string[] },
  ): Promise<UpdateResult<T> | undefined> {
    const transact = () =>
      inTransaction(this.#ds, `Updating ${what}`, async (tx: Transaction) => {
        const [entity] = await tx.get(key);
        const current = recordOf<T>(entity as Entity | undefined);
        if (!current) return { result: undefined, write: false };
        const next = mutate(current);
        if (next === undefined) return { result: { record: current, changed: false }, write: false };
        const stored = toEntity(next);
        tx.save(stored);
        return {
          result: { record: JSON.parse(stored.data.record as string) as T, changed: true },
          write: true,
        };
      });
    return this.#updates.run(what, transact);
  }

  async #get(keys: Key[], doing: string): Promise<Entity[]> {
    try {
      const [entities] = await this.#ds.get(keys);
      return entities as Entity[];
    } catch (err) {
      throw backendError(err, doing);
    }
  }

  async #run(query: ReturnType<Datastore['createQuery']>, doing: string): Promise<Entity[]> {
    try {
      const [entities] = await this.#ds.runQuery(query);
      return entities as Entity[];
    } catch (err) {
      throw backendError(err, doing);
    }
  }

  #query(kind: string) {
    return this.#namespace === undefined
      ? this.#ds.createQuery(kind)
      : this.#ds.createQuery(this.#namespace, kind);
  }

  #taskQuery(runId: string, filter: TaskFilter) {
    let query = this.#query(this.#kinds.task).filter(new PropertyFilter('runId', '=', runId));
    if (filter.stage !== undefined) query = query.filter(new PropertyFilter('stage', '=', filter.stage));
    if (filter.phase !== undefined) query = query.filter(new PropertyFilter('phase', '=', filter.phase));
    if (filter.state !== undefined) query = query.filter(new PropertyFilter('state', '=', filter.state));
    if (filter.batch !== undefined) query = query.filter(new PropertyFilter('batch', '=', filter.batch));
    return query;
  }

  #runKey(runId: string): Key {
    return this.#key(this.#kinds.run, runId);
  }

  #taskKey(runId: string, taskId: string): Key {
    return this.#key(this.#kinds.task, `${runId}/${taskId}`);
  }

  #key(kind: string, name: string): Key {
    return this.#ds.key(
      this.#namespace === undefined
        ? { path: [kind, name] }
        : { namespace: this.#namespace, path: [kind, name] },
    );
  }

  #keyOf(entity: Entity): Key {
    return (entity as Record<symbol, Key>)[this.#ds.KEY]!;
  }

  #runEntity(run: RunRecord) {
    const record = encodeRecord(run, `run ${run.runId}`);
    return {
      key: this.#runKey(run.runId),
      data: { job: run.job, createdAt: run.createdAt, status: run.status, record },
      excludeFromIndexes: ['record'],
    };
  }

  #taskEntity(task: TaskRecord) {
    const record = encodeRecord(task, `task ${task.taskId} of run ${task.runId}`);
    return {
      key: this.#taskKey(task.runId, task.taskId),
      data: {
        runId: task.runId,
        stage: task.stage,
        phase: task.phase,
        index: task.index,
        batch: Math.floor(task.index / TASK_BATCH_SIZE),
        state: task.state,
        record,
      },
      excludeFromIndexes: ['record'],
    };
  }
}

function encodeRecord(record: RunRecord | TaskRecord, what: string): string {
  const json = JSON.stringify(record);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_RECORD_BYTES) {
    throw new NonRetryableError(
      `The record of ${what} is ${bytes} bytes; a Datastore entity holds about 1 MiB. Keep split ` +
        'descriptors, counters and outputs small (names and offsets, not data).',
    );
  }
  return json;
}

function recordOf<T>(entity: Entity | undefined): T | undefined {
  return entity === undefined ? undefined : (JSON.parse(entity.record as string) as T);
}

function identityChanged(was: string, now: string): NonRetryableError {
  return new NonRetryableError(
    `A mutator for ${was} returned ${now}; mutators may change a record's fields but not its key. ` +
      'Return a modified copy of the record you were given.',
  );
}
