// A run: its stages as a chain (inputs and outputs named), per-phase progress, map and reduce
// counters apart, params, origin, the error of a failed or rejected run, its cost, and its tasks.

import { html } from 'hono/html';
import type { Job } from '../core/job.ts';
import { sliceCount, type Counters, type RunRecord, type TaskRecord } from '../core/records.ts';
import type { TaskFilter } from '../ports/state-store.ts';
import type { PhaseProgress } from './data.ts';
import { actionButtons, type Actions } from './actions-view.ts';
import { costView } from './cost-view.ts';
import { duration, page, pager, progressBar, statusBadge, time, withQuery, type Html } from './layout.ts';
import type { RunCost } from '../core/prices.ts';
import { describeInput, describeOutputs } from './stage-describe.ts';

export const TASKS_PER_PAGE = 100;

export interface RunView {
  run: RunRecord;
  job: Job | undefined;
  progress: PhaseProgress[];
  tasks: TaskRecord[];
  totalTasks: number;
  filter: TaskFilter;
  pageIndex: number;
  cost: RunCost | undefined;
  actions: Actions;
  where: string;
  now: number;
  flash?: string;
}

export function runPage(v: RunView): Html {
  const { run } = v;
  const base = `/runs/${encodeURIComponent(run.runId)}`;
  const query = {
    stage: v.filter.stage,
    phase: v.filter.phase,
    state: v.filter.state,
  };
  const body = html`<p class="muted"><a href="/">runs</a> › ${run.job}</p>
    <h1>${statusBadge(run.status)} ${run.runId}</h1>
    <nav class="tabs">
      <strong>overview</strong>
      <a href="${base}/timeline">timeline</a>
    </nav>
    ${actionButtons(run, v.actions)} ${run.error ? errorBox(run) : ''}
    <div class="grid2">
      <div class="card">
        <h2>Run</h2>
        <dl class="kv">
          <dt>job</dt>
          <dd>${run.job}</dd>
          <dt>status</dt>
          <dd>
            ${run.status}${
              run.status === 'RUNNING' ? ` (${run.stages[run.stage]?.name ?? run.stage} ${run.phase})` : ''
            }
          </dd>
          <dt>origin</dt>
          <dd>${run.origin ?? 'unknown'}</dd>
          <dt>started</dt>
          <dd>${time(run.createdAt)}</dd>
          <dt>elapsed</dt>
          <dd>${duration(run.createdAt, run.finishedAt, v.now)}</dd>
          <dt>options</dt>
          <dd>
            ${run.options.shards ? `${run.options.shards} shards, ` : ''}${run.options.partitions} partitions,
            ${run.options.maxAttempts} attempts per slice
          </dd>
          ${
            run.options.inputs?.length
              ? html`<dt>inputs</dt>
                  <dd>${run.options.inputs.join(', ')}</dd>`
              : ''
          }
        </dl>
      </div>
      <div class="card">
        <h2>Params</h2>
        ${
          Object.keys(run.params).length
            ? html`<dl class="kv">
                ${Object.entries(run.params).map(
                  ([k, value]) =>
                    html`<dt>${k}</dt>
                      <dd><code>${JSON.stringify(value)}</code></dd>`,
                )}
              </dl>`
            : html`<p class="muted">none</p>`
        }
      </div>
    </div>
    <h2>Stages</h2>
    <div class="chain">${stageChain(v)}</div>
    <h2>Cost</h2>
    ${
      v.cost
        ? costView(v.cost)
        : html`<p class="muted">
            Counted when the run ends (it reads every task).
            <a href="${withQuery(base, { ...query, cost: 1 })}">Show the cost so far</a>
          </p>`
    }
    <h2>Tasks</h2>
    ${taskFilter(base, v)} ${taskTable(base, v.tasks)}
    ${pager(base, query, v.pageIndex, TASKS_PER_PAGE, v.totalTasks)}`;
  return page(
    {
      title: run.runId,
      where: v.where,
      ...(run.status === 'RUNNING' ? { refreshMillis: 2000 } : {}),
      ...(v.flash ? { flash: v.flash } : {}),
    },
    body,
  );
}

function errorBox(run: RunRecord): Html {
  const e = run.error!;
  return html`<div class="error" id="run-error">
    <strong>${e.name}: ${e.message}</strong>
    ${
      e.taskId
        ? html`<div>
            task
            <a href="/runs/${encodeURIComponent(run.runId)}/tasks/${encodeURIComponent(e.taskId)}"
              >${e.taskId}</a
            >
          </div>`
        : ''
    }
    ${e.position ? html`<div>input position: <code>${e.position}</code></div>` : ''}
    ${e.stack ? html`<pre>${e.stack}</pre>` : ''}
  </div>`;
}

function stageChain(v: RunView): Html[] {
  const { run } = v;
  return run.stages.flatMap((s, i) => {
    const def = v.job?.stages[i]?.def;
    const phases = v.progress.filter((p) => p.stage === i);
    const map = s.mapCounters ?? {};
    const reduce = minus(s.counters ?? {}, map);
    const box = html`<div class="stage ${i === run.stage && run.status === 'RUNNING' ? 'current' : ''}">
      <h3>${i + 1}. ${s.name}</h3>
      <div class="io">in: ${def ? describeInput(def, run) : 'job not loaded here'}</div>
      <div class="io">
        out:
        ${Object.keys(s.outputs ?? {}).length ? describeOutputs(s.outputs!) : def ? describeOutputs(def) : '?'}
      </div>
      ${phases.map(
        (p) =>
          html`<div>
            <span class="muted">${p.phase}</span> ${progressBar(p.done, p.total, p.failed)}
            ${p.running ? html`<span class="count">${p.running} running</span>` : ''}
          </div>`,
      )}
      ${counterList('map counters', map)} ${counterList('reduce counters', reduce)}
    </div>`;
    return i === 0 ? [box] : [html`<div class="arrow">→</div>`, box];
  });
}

function minus(all: Counters, part: Counters): Counters {
  const out: Counters = {};
  for (const [k, n] of Object.entries(all)) if (n - (part[k] ?? 0) !== 0) out[k] = n - (part[k] ?? 0);
  return out;
}

function counterList(title: string, counters: Counters): Html {
  const entries = Object.entries(counters).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return html``;
  return html`<div class="io"><strong>${title}</strong></div>
    <dl class="kv">
      ${entries.map(
        ([k, n]) =>
          html`<dt>${k}</dt>
            <dd class="num">${n}</dd>`,
      )}
    </dl>`;
}

function taskFilter(base: string, v: RunView): Html {
  const option = (value: string, selected: boolean, label = value) =>
    html`<option value="${value}" ${selected ? 'selected' : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="${base}">
    <label
      >stage
      <select name="stage" onchange="this.form.requestSubmit()">
        ${option('', v.filter.stage === undefined, 'all')}
        ${v.run.stages.map((s, i) => option(String(i), v.filter.stage === i, s.name))}
      </select></label
    >
    <label
      >phase
      <select name="phase" onchange="this.form.requestSubmit()">
        ${option('', v.filter.phase === undefined, 'all')} ${option('map', v.filter.phase === 'map')}
        ${option('reduce', v.filter.phase === 'reduce')}
      </select></label
    >
    <label
      >state
      <select name="state" onchange="this.form.requestSubmit()">
        ${option('', v.filter.state === undefined, 'all')}
        ${['PENDING', 'RUNNING', 'DONE', 'FAILED'].map((s) => option(s, v.filter.state === s))}
      </select></label
    >
    <noscript><button>filter</button></noscript>
  </form>`;
}

function taskTable(base: string, tasks: readonly TaskRecord[]): Html {
  if (!tasks.length) return html`<p class="muted">No tasks here.</p>`;
  return html`<table id="tasks">
    <thead>
      <tr>
        <th>task</th>
        <th>state</th>
        <th class="num">attempts</th>
        <th class="num">slices</th>
        <th class="num">records</th>
        <th>input</th>
        <th>error</th>
      </tr>
    </thead>
    <tbody>
      ${tasks.map((t) => {
        const c = t.counters ?? {};
        return html`<tr data-task="${t.taskId}">
          <td><a href="${base}/tasks/${encodeURIComponent(t.taskId)}">${t.taskId}</a></td>
          <td>${t.state}</td>
          <td class="num">${t.attempt}</td>
          <td class="num">${sliceCount(t)}</td>
          <td class="num">${c['map-records'] ?? c['reduce-keys'] ?? ''}</td>
          <td>${t.description ?? ''}</td>
          <td>${t.error && t.state !== 'DONE' ? t.error.message.slice(0, 80) : ''}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
