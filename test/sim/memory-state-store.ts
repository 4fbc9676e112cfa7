// An in-memory StateStore for the simulator: every method does its work synchronously before its
// first await, so one scheduler event is one atomic transaction, exactly as a Datastore commit is.
// `onWrite` sees every change (before → after): the simulator checks its invariants there.

import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import {
  TASK_BATCH_SIZE,
  type Mutator,
  type RunFilter,
  type RunPage,
  type RunPageRequest,
  type StateStore,
  type TaskFilter,
  type TaskPage,
  type TaskPageRequest,
  type UpdateResult,
} from '../../src/ports/state-store.ts';

export type StateWrite =
  | { kind: 'run'; before: RunRecord | undefined; after: RunRecord }
  | { kind: 'task'; before: TaskRecord | undefined; after: TaskRecord };

// Records are plain JSON (Datastore and SQLite store them as they are). Each stored record is a
// deep-frozen copy: reads share it (a caller that changed what it read would throw, which is how
// the simulator would find a core that relies on owning a read), and a mutator gets its own copy
// parsed from the stored JSON text, as a real store's transaction would give it.
const parse = <T>(text: string): T => JSON.parse(text) as T;

function frozen<T>(text: string): T {
  return deepFreeze(JSON.parse(text) as T);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export class MemoryStateStore implements StateStore {
  readonly runs = new Map<string, RunRecord>();
  readonly tasks = new Map<string, Map<string, TaskRecord>>();
  /** The JSON text of every stored record, by run id and by "runId/taskId": what reads parse. */
  readonly #text = new Map<string, string>();
  onWrite: (write: StateWrite) => void = () => {};

  async insertRun(run: RunRecord): Promise<boolean> {
    return this.insertRunNow(run);
  }

  insertRunNow(run: RunRecord): boolean {
    if (this.runs.has(run.runId)) return false;
    this.#putRun(undefined, run);
    return true;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.getRunNow(runId);
  }

  getRunNow(runId: string): RunRecord | undefined {
    return this.runs.get(runId);
  }

  async updateRun(runId: string, mutate: Mutator<RunRecord>): Promise<UpdateResult<RunRecord> | undefined> {
    return this.updateRunNow(runId, mutate);
  }

  updateRunNow(runId: string, mutate: Mutator<RunRecord>): UpdateResult<RunRecord> | undefined {
    const current = this.runs.get(runId);
    if (!current) return undefined;
    const text = this.#text.get(runId)!;
    const next = mutate(parse(text));
    if (!next) return { record: current, changed: false };
    this.#putRun(current, next);
    return { record: this.runs.get(runId)!, changed: true };
  }

  async listRuns(options: { limit?: number; job?: string } = {}): Promise<RunRecord[]> {
    return this.listRunsNow(options);
  }

  listRunsNow(options: { limit?: number; job?: string } = {}): RunRecord[] {
    const runs = [...this.runs.values()]
      .filter((r) => options.job === undefined || r.job === options.job)
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.runId.localeCompare(a.runId) : b.createdAt.localeCompare(a.createdAt),
      );
    return options.limit === undefined ? runs : runs.slice(0, options.limit);
  }

  async listRunsPage(filter: RunFilter, page: RunPageRequest): Promise<RunPage> {
    return this.listRunsPageNow(filter, page);
  }

  listRunsPageNow(filter: RunFilter, page: RunPageRequest): RunPage {
    // runId order, resuming after the cursor (the last runId of the previous page).
    const runs = [...this.runs.values()]
      .filter((r) => filter.status === undefined || r.status === filter.status)
      .filter((r) => page.cursor === undefined || r.runId > page.cursor)
      .sort((a, b) => (a.runId < b.runId ? -1 : 1))
      .slice(0, page.limit);
    const last = runs.at(-1);
    return runs.length < page.limit || !last ? { runs } : { runs, cursor: last.runId };
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    return this.insertTasksNow(tasks);
  }

  insertTasksNow(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) {
      const ofRun = this.#tasksOf(task.runId);
      if (!ofRun.has(task.taskId)) this.#putTask(undefined, task);
    }
  }

  async getTask(runId: string, taskId: string): Promise<TaskRecord | undefined> {
    return this.getTaskNow(runId, taskId);
  }

  getTaskNow(runId: string, taskId: string): TaskRecord | undefined {
    return this.tasks.get(runId)?.get(taskId);
  }

  async getTasks(runId: string, taskIds: readonly string[]): Promise<(TaskRecord | undefined)[]> {
    return this.getTasksNow(runId, taskIds);
  }

  getTasksNow(runId: string, taskIds: readonly string[]): (TaskRecord | undefined)[] {
    return taskIds.map((id) => this.getTaskNow(runId, id));
  }

  async updateTask(
    runId: string,
    taskId: string,
    mutate: Mutator<TaskRecord>,
  ): Promise<UpdateResult<TaskRecord> | undefined> {
    return this.updateTaskNow(runId, taskId, mutate);
  }

  updateTaskNow(
    runId: string,
    taskId: string,
    mutate: Mutator<TaskRecord>,
  ): UpdateResult<TaskRecord> | undefined {
    const current = this.tasks.get(runId)?.get(taskId);
    if (!current) return undefined;
    const text = this.#text.get(`${runId}/${taskId}`)!;
    const next = mutate(parse(text));
    if (!next) return { record: current, changed: false };
    this.#putTask(current, next);
    return { record: this.tasks.get(runId)!.get(taskId)!, changed: true };
  }

  async listTasks(runId: string, filter: TaskFilter = {}): Promise<TaskRecord[]> {
    return this.listTasksNow(runId, filter);
  }

  listTasksNow(runId: string, filter: TaskFilter = {}): TaskRecord[] {
    return this.#matching(runId, filter);
  }

  async listTasksPage(runId: string, filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage> {
    return this.listTasksPageNow(runId, filter, page);
  }

  /** Pages in (stage, phase, index) order; the cursor is the position of the page's last task. */
  listTasksPageNow(runId: string, filter: TaskFilter, page: TaskPageRequest): TaskPage {
    const all = this.#matching(runId, filter);
    const after =
      page.cursor === undefined ? undefined : (JSON.parse(page.cursor) as [number, string, number]);
    const rest = after
      ? all.filter(
          (t) =>
            t.stage > after[0] ||
            (t.stage === after[0] && (t.phase > after[1] || (t.phase === after[1] && t.index > after[2]))),
        )
      : all;
    const tasks = rest.slice(0, page.limit);
    const last = tasks.at(-1);
    if (tasks.length < page.limit || !last) return { tasks };
    return { tasks, cursor: JSON.stringify([last.stage, last.phase, last.index]) };
  }

  async countTasks(runId: string, filter: TaskFilter): Promise<number> {
    return this.countTasksNow(runId, filter);
  }

  countTasksNow(runId: string, filter: TaskFilter): number {
    return this.#matching(runId, filter).length;
  }

  #matching(runId: string, filter: TaskFilter): TaskRecord[] {
    return [...(this.tasks.get(runId)?.values() ?? [])]
      .filter(
        (t) =>
          (filter.stage === undefined || t.stage === filter.stage) &&
          (filter.phase === undefined || t.phase === filter.phase) &&
          (filter.state === undefined || t.state === filter.state) &&
          (filter.batch === undefined || Math.floor(t.index / TASK_BATCH_SIZE) === filter.batch),
      )
      .sort((a, b) => a.stage - b.stage || a.phase.localeCompare(b.phase) || a.index - b.index);
  }

  #tasksOf(runId: string): Map<string, TaskRecord> {
    let ofRun = this.tasks.get(runId);
    if (!ofRun) this.tasks.set(runId, (ofRun = new Map()));
    return ofRun;
  }

  // Stored records are deep-frozen: reads share them, and nothing can change them afterwards.
  #putRun(before: RunRecord | undefined, record: RunRecord): void {
    const text = JSON.stringify(record);
    const after = frozen<RunRecord>(text);
    this.#text.set(after.runId, text);
    this.runs.set(after.runId, after);
    this.onWrite({ kind: 'run', before, after });
  }

  #putTask(before: TaskRecord | undefined, record: TaskRecord): void {
    const text = JSON.stringify(record);
    const after = frozen<TaskRecord>(text);
    this.#text.set(`${after.runId}/${after.taskId}`, text);
    this.#tasksOf(after.runId).set(after.taskId, after);
    this.onWrite({ kind: 'task', before, after });
  }
}
