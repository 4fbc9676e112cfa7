// SqliteStateStore: runs and tasks in one SQLite file (node:sqlite), for the local embedded mode.
//
// Each connection is synchronous, so a read-mutate-write never interleaves with other work on the
// same connection; across connections (worker threads, other processes, a resumed run) it is made
// atomic by BEGIN IMMEDIATE, which takes the database's single write lock before reading. WAL lets
// readers proceed while a writer commits. Records are stored as JSON, with the few fields that
// queries filter or order on copied into columns.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
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
import { openStateDatabase, writeTransaction } from './sqlite-state-db.ts';

/** Rows per insertTasks transaction: Datastore's 500-mutation commit limit, so the core never relies
 * on planning being all-or-nothing, and a big plan never holds the write lock for long. */
const INSERT_CHUNK = 500;

type Row = Record<string, unknown>;

export class SqliteStateStore implements StateStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    this.#db = openStateDatabase(path);
  }

  async insertRun(run: RunRecord): Promise<boolean> {
    const sql = 'INSERT OR IGNORE INTO runs (run_id, job, created_at, record) VALUES (?, ?, ?, ?)';
    const result = await this.#write(() =>
      this.#sql(sql).run(run.runId, run.job, run.createdAt, JSON.stringify(run)),
    );
    return Number(result.changes) === 1;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return parse<RunRecord>(this.#sql('SELECT record FROM runs WHERE run_id = ?').get(runId));
  }

  async updateRun(runId: string, mutate: Mutator<RunRecord>): Promise<UpdateResult<RunRecord> | undefined> {
    return this.#write(() => {
      const current = parse<RunRecord>(this.#sql('SELECT record FROM runs WHERE run_id = ?').get(runId));
      if (!current) return undefined;
      const next = mutate(current);
      if (next === undefined) return { record: current, changed: false };
      if (next.runId !== runId) throw identityChanged(`run ${runId}`, `run ${next.runId}`);
      const json = JSON.stringify(next);
      this.#sql('UPDATE runs SET job = ?, created_at = ?, record = ? WHERE run_id = ?').run(
        next.job,
        next.createdAt,
        json,
        runId,
      );
      return { record: JSON.parse(json) as RunRecord, changed: true };
    });
  }

  async listRuns(options: { limit?: number; job?: string } = {}): Promise<RunRecord[]> {
    const { limit, job } = options;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
      throw new ConfigError(
        `listRuns limit must be a positive integer; got ${limit}. Omit it to list every run.`,
      );
    }
    const where = job === undefined ? '' : 'WHERE job = ?';
    const sql = `SELECT record FROM runs ${where} ORDER BY created_at DESC, run_id DESC LIMIT ?`;
    const params = job === undefined ? [limit ?? -1] : [job, limit ?? -1];
    return this.#sql(sql)
      .all(...params)
      .map((row) => parse<RunRecord>(row)!);
  }

  async listRunsPage(filter: RunFilter, page: RunPageRequest): Promise<RunPage> {
    const limit = pageLimit(page.limit, 'listRunsPage');
    const clauses: string[] = [];
    const params: string[] = [];
    // The expression matches the runs_by_status index (sqlite-state-db.ts) term for term.
    if (filter.status !== undefined) {
      clauses.push("json_extract(record, '$.status') = ?");
      params.push(filter.status);
    }
    if (page.cursor !== undefined) {
      clauses.push('run_id > ?');
      params.push(page.cursor);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.#sql(`SELECT run_id, record FROM runs ${where} ORDER BY run_id LIMIT ?`).all(
      ...params,
      limit,
    );
    const runs = rows.map((row) => parse<RunRecord>(row)!);
    const last = rows.at(-1);
    if (rows.length < limit || !last) return { runs };
    return { runs, cursor: String(last.run_id) };
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    const sql =
      'INSERT OR IGNORE INTO tasks (run_id, task_id, stage, phase, idx, state, record) VALUES (?, ?, ?, ?, ?, ?, ?)';
    for (let i = 0; i < tasks.length; i += INSERT_CHUNK) {
      const chunk = tasks.slice(i, i + INSERT_CHUNK);
      await this.#write(() => {
        const insert = this.#sql(sql);
        for (const t of chunk) {
          insert.run(t.runId, t.taskId, t.stage, t.phase, t.index, t.state, JSON.stringify(t));
        }
      });
    }
  }

  async getTask(runId: string, taskId: string): Promise<TaskRecord | undefined> {
    return parse<TaskRecord>(
      this.#sql('SELECT record FROM tasks WHERE run_id = ? AND task_id = ?').get(runId, taskId),
    );
  }

  async getTasks(runId: string, taskIds: readonly string[]): Promise<(TaskRecord | undefined)[]> {
    // One statement, so all records come from one snapshot, like a Datastore batch lookup.
    const sql =
      'SELECT t.record FROM json_each(?) AS ids LEFT JOIN tasks AS t ON t.run_id = ? AND t.task_id = ids.value ' +
      'ORDER BY ids.key';
    return this.#sql(sql)
      .all(JSON.stringify(taskIds), runId)
      .map((row) => parse<TaskRecord>(row));
  }

  async updateTask(
    runId: string,
    taskId: string,
    mutate: Mutator<TaskRecord>,
  ): Promise<UpdateResult<TaskRecord> | undefined> {
    return this.#write(() => {
      const select = 'SELECT record FROM tasks WHERE run_id = ? AND task_id = ?';
      const current = parse<TaskRecord>(this.#sql(select).get(runId, taskId));
      if (!current) return undefined;
      const next = mutate(current);
      if (next === undefined) return { record: current, changed: false };
      if (next.runId !== runId || next.taskId !== taskId) {
        throw identityChanged(`task ${taskId} of run ${runId}`, `task ${next.taskId} of run ${next.runId}`);
      }
      const json = JSON.stringify(next);
      const update =
        'UPDATE tasks SET stage = ?, phase = ?, idx = ?, state = ?, record = ? WHERE run_id = ? AND task_id = ?';
      this.#sql(update).run(next.stage, next.phase, next.index, next.state, json, runId, taskId);
      return { record: JSON.parse(json) as TaskRecord, changed: true };
    });
  }

  async listTasks(runId: string, filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const [where, params] = taskWhere(runId, filter);
    // 'map' < 'reduce' as text, so ordering by the phase column is map-before-reduce.
    return this.#sql(`SELECT record FROM tasks WHERE ${where} ORDER BY stage, phase, idx`)
      .all(...params)
      .map((row) => parse<TaskRecord>(row)!);
  }

  async listTasksPage(runId: string, filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage> {
    const limit = pageLimit(page.limit, 'listTasksPage');
    const [where, params] = taskWhere(runId, filter);
    const after = page.cursor === undefined ? undefined : parseCursor(page.cursor);
    const sql =
      `SELECT stage, phase, idx, record FROM tasks WHERE ${where}` +
      (after ? ' AND (stage, phase, idx) > (?, ?, ?)' : '') +
      ' ORDER BY stage, phase, idx LIMIT ?';
    const rows = this.#sql(sql).all(...params, ...(after ?? []), limit);
    const tasks = rows.map((row) => parse<TaskRecord>(row)!);
    const last = rows.at(-1);
    // A full page may be followed by more; the caller's next request finds out (possibly empty).
    if (rows.length < limit || !last) return { tasks };
    return { tasks, cursor: JSON.stringify([last.stage, last.phase, last.idx]) };
  }

  async countTasks(runId: string, filter: TaskFilter): Promise<number> {
    const [where, params] = taskWhere(runId, filter);
    const row = this.#sql(`SELECT COUNT(*) AS n FROM tasks WHERE ${where}`).get(...params);
    return Number(row?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #write<T>(work: () => T): Promise<T> {
    return writeTransaction(this.#db, work);
  }
}

function taskWhere(runId: string, filter: TaskFilter): [string, (string | number)[]] {
  const clauses = ['run_id = ?'];
  const params: (string | number)[] = [runId];
  for (const column of ['stage', 'phase', 'state'] as const) {
    const value = filter[column];
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.batch !== undefined) {
    clauses.push('idx >= ? AND idx < ?');
    params.push(filter.batch * TASK_BATCH_SIZE, (filter.batch + 1) * TASK_BATCH_SIZE);
  }
  return [clauses.join(' AND '), params];
}

function pageLimit(limit: number, method: string): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ConfigError(`${method} limit must be a positive integer; got ${limit}.`);
  }
  return limit;
}

function parseCursor(cursor: string): [number, string, number] {
  const value: unknown = JSON.parse(cursor);
  if (
    !Array.isArray(value) ||
    typeof value[0] !== 'number' ||
    typeof value[1] !== 'string' ||
    typeof value[2] !== 'number'
  ) {
    throw new ConfigError(
      `listTasksPage cursor ${JSON.stringify(cursor)} is not one this store returned; pass the cursor of the previous page unchanged.`,
    );
  }
  return [value[0], value[1], value[2]];
}

function parse<T>(row: Row | undefined): T | undefined {
  const json = row?.record;
  return typeof json === 'string' ? (JSON.parse(json) as T) : undefined;
}

function identityChanged(was: string, now: string): NonRetryableError {
  return new NonRetryableError(
    `A mutator for ${was} returned ${now}; mutators may change a record's fields but not its key. ` +
      'Return a modified copy of the record you were given.',
  );
}
