// An in-memory StateStore for the simulator: every method does its work synchronously before its
// first await, so one scheduler event is one atomic transaction, exactly as a Datastore commit is.
// `onWrite` sees every change (before → after): the simulator checks its invariants there.

import type { RunRecord, TaskRecord } from '../../src/core/records.ts';
import {
  TASK_BATCH_SIZE,
  type Mutator,
  type StateStore,
  type TaskFilter,
  type TaskPage,
  type TaskPageRequest,
  type UpdateResult,
} from '../../src/ports/state-store.ts';

export type StateWrite =
  | { kind: 'run'; before: RunRecord | undefined; after: RunRecord }
  | { kind: 'task'; before: TaskRecord | undefined; after: TaskRecord };

// Records are plain JSON (Datastore and SQLite store them as they are), so they are kept as JSON
// text: every read parses a private copy, as a real store's would be.
const parse = <T>(text: string): T => JSON.parse(text) as T;

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
    const text = this.#text.get(runId);
    return text === undefined ? undefined : parse<RunRecord>(text);
  }

  async updateRun(runId: string, mutate: Mutator<RunRecord>): Promise<UpdateResult<RunRecord> | undefined> {
    return this.updateRunNow(runId, mutate);
  }

  updateRunNow(runId: string, mutate: Mutator<RunRecord>): UpdateResult<RunRecord> | undefined {
    const current = this.runs.get(runId);
    if (!current) return undefined;
    const text = this.#text.get(runId)!;
    const next = mutate(parse(text));
    if (!next) return { record: parse(text), changed: false };
    return { record: parse(this.#putRun(current, next)), changed: true };
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
    return (options.limit === undefined ? runs : runs.slice(0, options.limit)).map((r) =>
      parse<RunRecord>(this.#text.get(r.runId)!),
    );
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
    const text = this.#text.get(`${runId}/${taskId}`);
    return text === undefined ? undefined : parse<TaskRecord>(text);
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
    if (!next) return { record: parse(text), changed: false };
    return { record: parse(this.#putTask(current, next)), changed: true };
  }

  async listTasks(runId: string, filter: TaskFilter = {}): Promise<TaskRecord[]> {
    return this.listTasksNow(runId, filter);
  }

  listTasksNow(runId: string, filter: TaskFilter = {}): TaskRecord[] {
    return this.#matching(runId, filter).map((t) =>
      parse<TaskRecord>(this.#text.get(`${t.runId}/${t.taskId}`)!),
    );
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
    const tasks = rest
      .slice(0, page.limit)
      .map((t) => parse<TaskRecord>(this.#text.get(`${t.runId}/${t.taskId}`)!));
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

  // The stored record objects are never handed out (reads parse the text), so they stay as written.
  #putRun(before: RunRecord | undefined, after: RunRecord): string {
    const text = JSON.stringify(after);
    this.#text.set(after.runId, text);
    this.runs.set(after.runId, after);
    this.onWrite({ kind: 'run', before, after });
    return text;
  }

  #putTask(before: TaskRecord | undefined, after: TaskRecord): string {
    const text = JSON.stringify(after);
    this.#text.set(`${after.runId}/${after.taskId}`, text);
    this.#tasksOf(after.runId).set(after.taskId, after);
    this.onWrite({ kind: 'task', before, after });
    return text;
  }
}
