// StateStore: runs, tasks and leases. Datastore in the cloud, SQLite locally.
//
// Every change goes through a transactional read-modify-write whose mutator is a pure, synchronous
// function of the current record: the store may call it more than once (contention retries), and
// the coordinator's decisions (claim, commit, fail, flip phase) live in those mutators, written once
// in the core, whatever the store.

import type { RunRecord, RunStatus, TaskPhase, TaskRecord, TaskState } from '../core/records.ts';

/** Returns the new record, or undefined to leave the stored record unchanged. */
export type Mutator<T> = (current: T) => T | undefined;

export interface UpdateResult<T> {
  record: T;
  changed: boolean;
}

/**
 * Tasks are grouped in batches of this many consecutive indexes (`index / TASK_BATCH_SIZE`, rounded
 * down). The phase barrier counts one batch after each commit instead of the whole phase, so a
 * phase of M tasks costs O(M) counted index entries instead of O(M²).
 */
export const TASK_BATCH_SIZE = 500;

export interface TaskFilter {
  stage?: number;
  phase?: TaskPhase;
  state?: TaskState;
  /** Only tasks whose index is in this batch (see TASK_BATCH_SIZE). */
  batch?: number;
}

export interface TaskPageRequest {
  /** At most this many tasks per page. */
  limit: number;
  /** The `cursor` of the previous page; absent for the first page. */
  cursor?: string;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Pass it to get the next page; absent when this was the last page. */
  cursor?: string;
}

export interface RunFilter {
  status?: RunStatus;
}

export interface RunPageRequest {
  /** At most this many runs per page. */
  limit: number;
  /** The `cursor` of the previous page; absent for the first page. */
  cursor?: string;
}

export interface RunPage {
  runs: RunRecord[];
  /** Pass it to get the next page; absent when this was the last page. */
  cursor?: string;
}

export interface StateStore {
  /** Inserts a run; false if that runId exists already (the cheap "create once" lock). */
  insertRun(run: RunRecord): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Undefined when the run does not exist. */
  updateRun(runId: string, mutate: Mutator<RunRecord>): Promise<UpdateResult<RunRecord> | undefined>;
  /** Newest first. */
  listRuns(options?: { limit?: number; job?: string }): Promise<RunRecord[]>;
  /**
   * One page of the runs that match `filter`, in runId order (not by age: an equality filter with
   * no sort needs no composite Datastore index), so a caller walks every matching run in constant
   * memory, whatever the number of runs. A run whose status changes during the walk may be seen
   * or not; every run that matches throughout is seen exactly once. A page may hold fewer than
   * `limit` runs and still have a cursor; the walk ends when `cursor` is absent.
   */
  listRunsPage(filter: RunFilter, page: RunPageRequest): Promise<RunPage>;

  /** Inserts the tasks that do not exist yet; existing ones are left alone (idempotent planning). */
  insertTasks(tasks: readonly TaskRecord[]): Promise<void>;
  getTask(runId: string, taskId: string): Promise<TaskRecord | undefined>;
  getTasks(runId: string, taskIds: readonly string[]): Promise<(TaskRecord | undefined)[]>;
  updateTask(
    runId: string,
    taskId: string,
    mutate: Mutator<TaskRecord>,
  ): Promise<UpdateResult<TaskRecord> | undefined>;
  /** In (stage, phase, index) order. */
  listTasks(runId: string, filter?: TaskFilter): Promise<TaskRecord[]>;
  /**
   * One page of listTasks: tasks of one (stage, phase) come in index order, page after page, so a
   * caller walks any number of tasks in constant memory. A page may hold fewer than `limit` tasks
   * and still have a cursor; the walk ends when `cursor` is absent.
   */
  listTasksPage(runId: string, filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage>;
  /** An aggregation count: the phase barrier asks how many tasks are DONE without reading them. */
  countTasks(runId: string, filter: TaskFilter): Promise<number>;
  close?(): Promise<void>;
}
