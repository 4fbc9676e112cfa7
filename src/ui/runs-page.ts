// The runs page: newest first, filtered by job and status, with the live progress of running runs.

import { html } from 'hono/html';
import type { RunRecord, RunStatus } from '../core/records.ts';
import type { StateStore } from '../ports/state-store.ts';
import { currentProgress, filteredRuns, RUN_WINDOW, type RunFilter } from './data.ts';
import { duration, page, pager, progressBar, statusBadge, time, type Html } from './layout.ts';

const STATUSES: RunStatus[] = ['RUNNING', 'DONE', 'FAILED', 'ABORTED', 'REJECTED'];
export const RUNS_PER_PAGE = 50;

export async function runsPage(
  state: StateStore,
  where: string,
  filter: RunFilter,
  pageIndex: number,
  now: number,
  flash?: string,
): Promise<Html> {
  const runs = await filteredRuns(state, filter);
  const shown = runs.slice(pageIndex * RUNS_PER_PAGE, (pageIndex + 1) * RUNS_PER_PAGE);
  const jobs = [...new Set([...(await state.listRuns({ limit: RUN_WINDOW })).map((r) => r.job)])].sort();
  const rows = await Promise.all(shown.map((r) => row(state, r, now)));
  const live = shown.some((r) => r.status === 'RUNNING');
  const query = { job: filter.job, status: filter.status };
  const body = html`<h1>Runs</h1>
    <form class="filters" method="get" action="/">
      <label
        >job
        <select name="job" onchange="this.form.requestSubmit()">
          <option value="">all</option>
          ${jobs.map((j) => html`<option value="${j}" ${j === filter.job ? 'selected' : ''}>${j}</option>`)}
        </select></label
      >
      <label
        >status
        <select name="status" onchange="this.form.requestSubmit()">
          <option value="">all</option>
          ${STATUSES.map(
            (s) => html`<option value="${s}" ${s === filter.status ? 'selected' : ''}>${s}</option>`,
          )}
        </select></label
      >
      <noscript><button>filter</button></noscript>
    </form>
    ${
      runs.length === 0
        ? html`<p class="muted">
            No runs${filter.job || filter.status ? ' match this filter' : ` yet in ${where}`}. Start one with
            <code>cloudreduce run wordcount --input FILE</code>.
          </p>`
        : html`<table id="runs">
              <thead>
                <tr>
                  <th>run</th>
                  <th>job</th>
                  <th>status</th>
                  <th>progress</th>
                  <th>started</th>
                  <th class="num">elapsed</th>
                  <th>origin</th>
                  <th>error</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
            ${pager('/', query, pageIndex, RUNS_PER_PAGE, runs.length)}`
    }`;
  return page(
    { title: 'Runs', where, ...(live ? { refreshMillis: 2000 } : {}), ...(flash ? { flash } : {}) },
    body,
  );
}

async function row(state: StateStore, run: RunRecord, now: number): Promise<Html> {
  const progress = await currentProgress(state, run);
  const phase =
    run.status === 'RUNNING'
      ? html`<span class="muted">${run.stages[run.stage]?.name ?? run.stage} ${run.phase}</span>
          ${progress ? progressBar(progress.done, progress.total) : ''}`
      : '';
  return html`<tr data-run="${run.runId}">
    <td><a href="/runs/${encodeURIComponent(run.runId)}">${run.runId}</a></td>
    <td>${run.job}</td>
    <td>${statusBadge(run.status)}</td>
    <td>${phase}</td>
    <td>${time(run.createdAt)}</td>
    <td class="num">${duration(run.createdAt, run.finishedAt, now)}</td>
    <td>${run.origin ?? ''}</td>
    <td>${run.error?.message.slice(0, 80) ?? ''}</td>
  </tr>`;
}
