// What the pages read, through the same StateStore `cloudreduce status` reads. Lists of tasks are
// paged by their deterministic ids (stage, phase, index) where no state filter is set, so a page
// of a 10,000-task run reads one page of tasks, not all of them.

import type { RunRecord, TaskPhase, TaskRecord, TaskState } from '../core/records.ts';
import { taskId } from '../core/records.ts';
import type { StateStore, TaskFilter } from '../ports/state-store.ts';

export interface PhaseProgress {
  stage: number;
  phase: TaskPhase;
  total: number;
  done: number;
  running: number;
  failed: number;
}

/** Per stage and phase, tasks done, running and failed (counted only where they can change). */
export async function progressOf(state: StateStore, run: RunRecord): Promise<PhaseProgress[]> {
  const out: PhaseProgress[] = [];
  for (const [stage, s] of run.stages.entries()) {
    for (const phase of ['map', 'reduce'] as const) {
      const total = phase === 'map' ? s.mapTasks : s.reduceTasks;
      if (total === undefined) continue;
      const settled = stage < run.stage || (run.status === 'DONE' && stage <= run.stage);
      if (settled) {
        out.push({ stage, phase, total, done: total, running: 0, failed: 0 });
        continue;
      }
      const count = (st: TaskState) => state.countTasks(run.runId, { stage, phase, state: st });
      const [done, running, failed] = await Promise.all([count('DONE'), count('RUNNING'), count('FAILED')]);
      out.push({ stage, phase, total, done, running, failed });
    }
  }
  return out;
}

export interface TaskPage {
  tasks: TaskRecord[];
  total: number;
}

/** The stage/phase segments of a run's tasks, in listing order. */
function segments(run: RunRecord, filter: TaskFilter): { stage: number; phase: TaskPhase; n: number }[] {
  const out: { stage: number; phase: TaskPhase; n: number }[] = [];
  for (const [stage, s] of run.stages.entries()) {
    if (filter.stage !== undefined && filter.stage !== stage) continue;
    for (const phase of ['map', 'reduce'] as const) {
      if (filter.phase !== undefined && filter.phase !== phase) continue;
      const n = phase === 'map' ? s.mapTasks : s.reduceTasks;
      if (n) out.push({ stage, phase, n });
    }
  }
  return out;
}

/** One page of the run's tasks in (stage, phase, index) order. */
export async function taskPage(
  state: StateStore,
  run: RunRecord,
  filter: TaskFilter,
  pageIndex: number,
  size: number,
): Promise<TaskPage> {
  if (filter.state !== undefined) {
    const all = await state.listTasks(run.runId, filter);
    return { tasks: all.slice(pageIndex * size, (pageIndex + 1) * size), total: all.length };
  }
  const segs = segments(run, filter);
  const total = segs.reduce((sum, s) => sum + s.n, 0);
  const ids: string[] = [];
  let skip = pageIndex * size;
  for (const seg of segs) {
    if (ids.length >= size) break;
    if (skip >= seg.n) {
      skip -= seg.n;
      continue;
    }
    for (let i = skip; i < seg.n && ids.length < size; i++) ids.push(taskId(seg.stage, seg.phase, i));
    skip = 0;
  }
  const tasks = (await state.getTasks(run.runId, ids)).filter((t): t is TaskRecord => t !== undefined);
  return { tasks, total };
}

export interface RunFilter {
  job?: string;
  status?: string;
}

/** The newest `RUN_WINDOW` runs that pass the filter. */
export async function filteredRuns(state: StateStore, filter: RunFilter): Promise<RunRecord[]> {
  const runs = await state.listRuns({ limit: RUN_WINDOW, ...(filter.job ? { job: filter.job } : {}) });
  return filter.status ? runs.filter((r) => r.status === filter.status) : runs;
}

/** How many of the newest runs the runs page looks at. */
export const RUN_WINDOW = 1000;

/** Live progress of a running run's current phase, for the runs list. */
export async function currentProgress(state: StateStore, run: RunRecord): Promise<PhaseProgress | undefined> {
  if (run.status !== 'RUNNING' || (run.phase !== 'map' && run.phase !== 'reduce')) return undefined;
  const s = run.stages[run.stage];
  const total = run.phase === 'map' ? s?.mapTasks : s?.reduceTasks;
  if (total === undefined) return undefined;
  const done = await state.countTasks(run.runId, { stage: run.stage, phase: run.phase, state: 'DONE' });
  return { stage: run.stage, phase: run.phase, total, done, running: 0, failed: 0 };
}
