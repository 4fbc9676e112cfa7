// The timeline page: the task attempts of one page of tasks on the run's time axis.

import { html } from 'hono/html';
import type { RunRecord } from '../core/records.ts';
import type { TaskFilter } from '../ports/state-store.ts';
import type { TaskPage } from './data.ts';
import { page, pager, statusBadge, type Html } from './layout.ts';
import { TASKS_PER_PAGE } from './run-page.ts';
import { legend, timelineSvg } from './timeline.ts';

export function timelinePage(
  run: RunRecord,
  tasks: TaskPage,
  filter: TaskFilter,
  pageIndex: number,
  where: string,
  now: number,
): Html {
  const base = `/runs/${encodeURIComponent(run.runId)}`;
  const attempts = tasks.tasks.reduce((n, t) => n + (t.attempts?.length ?? 0), 0);
  const stageLinks = run.stages.map(
    (s, i) =>
      html`<a href="${base}/timeline?stage=${i}" ${filter.stage === i ? 'aria-current="page"' : ''}
        >${s.name}</a
      >`,
  );
  const body = html`<p class="muted"><a href="/">runs</a> › <a href="${base}">${run.runId}</a></p>
    <h1>${statusBadge(run.status)} ${run.runId}: timeline</h1>
    <nav class="tabs">
      <a href="${base}">overview</a> <strong>timeline</strong>
      ${run.stages.length > 1 ? html`<span class="muted">stage:</span> <a href="${base}/timeline">all</a> ${stageLinks}` : ''}
    </nav>
    ${legend()}
    <p class="muted">
      ${tasks.tasks.length} tasks, ${attempts} attempts on this page; time from the run's start.
    </p>
    ${tasks.tasks.length ? timelineSvg(run, tasks.tasks, now) : html`<p class="muted">No tasks yet.</p>`}
    ${pager(`${base}/timeline`, { stage: filter.stage, phase: filter.phase }, pageIndex, TASKS_PER_PAGE, tasks.total)}`;
  return page(
    { title: `${run.runId} timeline`, where, ...(run.status === 'RUNNING' ? { refreshMillis: 2000 } : {}) },
    body,
  );
}
