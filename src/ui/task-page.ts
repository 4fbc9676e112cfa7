// A task: state, attempts (with leases and errors), slices, checkpoint, error and output objects.

import { html } from 'hono/html';
import type { RunRecord, TaskOutput, TaskRecord } from '../core/records.ts';
import { costView } from './cost-view.ts';
import { page, statusBadge, time, type Html } from './layout.ts';
import { OUTCOME_COLOURS } from './timeline.ts';
import { runCost, type PriceTable } from '../core/prices.ts';

export function taskPage(
  run: RunRecord,
  task: TaskRecord,
  prices: PriceTable,
  where: string,
  now: number,
): Html {
  const base = `/runs/${encodeURIComponent(run.runId)}`;
  const live = run.status === 'RUNNING' && task.state !== 'DONE' && task.state !== 'FAILED';
  const body = html`<p class="muted">
      <a href="/">runs</a> › <a href="${base}">${run.runId}</a> ›
      <a href="${base}/timeline">timeline</a>
    </p>
    <h1>${statusBadge(task.state)} ${task.taskId}</h1>
    ${
      task.error && task.state !== 'DONE'
        ? html`<div class="error" id="task-error">
            <strong>${task.error.name}: ${task.error.message}</strong>
            ${task.error.position ? html`<div>input position: <code>${task.error.position}</code></div>` : ''}
            ${task.error.stack ? html`<pre>${task.error.stack}</pre>` : ''}
          </div>`
        : ''
    }
    <div class="grid2">
      <div class="card">
        <h2>Task</h2>
        <dl class="kv">
          <dt>stage</dt>
          <dd>${run.stages[task.stage]?.name ?? task.stage} (${task.phase})</dd>
          <dt>input</dt>
          <dd>${task.description ?? ''}</dd>
          <dt>attempts</dt>
          <dd>${task.attempt} claimed, ${task.failures ?? 0} failed</dd>
          <dt>lease</dt>
          <dd>
            ${
              task.leaseOwner
                ? `${task.leaseOwner} until ${time(new Date(task.leaseExpiresAt ?? 0).toISOString())}${(task.leaseExpiresAt ?? 0) < now ? ' (expired)' : ''}`
                : 'none'
            }
          </dd>
          <dt>started</dt>
          <dd>${time(task.startedAt)}</dd>
          <dt>finished</dt>
          <dd>${time(task.finishedAt)}</dd>
          <dt>split</dt>
          <dd><code>${JSON.stringify(task.split) ?? ''}</code></dd>
          <dt>checkpoint</dt>
          <dd><code>${task.checkpoint === undefined ? 'none' : JSON.stringify(task.checkpoint)}</code></dd>
        </dl>
      </div>
      <div class="card">
        <h2>Counters</h2>
        <dl class="kv">
          ${Object.entries(task.counters ?? {}).map(
            ([k, n]) =>
              html`<dt>${k}</dt>
                <dd>${n}</dd>`,
          )}
        </dl>
      </div>
    </div>
    <h2>Attempts</h2>
    ${attemptsTable(task)}
    <h2>Slices</h2>
    ${
      task.slices?.length
        ? html`<table id="slices">
            <thead>
              <tr>
                <th>slice</th>
                <th>attempt</th>
                <th>counters</th>
                <th>output objects</th>
              </tr>
            </thead>
            <tbody>
              ${task.slices.map(
                (s, i) =>
                  html`<tr>
                    <td>${i + 1}</td>
                    <td>${s.attempt}</td>
                    <td><code>${JSON.stringify(s.counters)}</code></td>
                    <td>${objects(s.output)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">None: the task ran (or runs) in one slice.</p>`
    }
    <h2>Output objects</h2>
    ${task.output ? objects(task.output) : html`<p class="muted">Not committed yet.</p>`}
    <h2>Usage</h2>
    ${
      task.usage
        ? costView(runCost({ [task.phase]: task.usage }, prices))
        : html`<p class="muted">Nothing recorded yet (usage is recorded with a commit or a failure).</p>`
    }`;
  return page({ title: task.taskId, where, ...(live ? { refreshMillis: 2000 } : {}) }, body);
}

function attemptsTable(task: TaskRecord): Html {
  const entries = task.attempts ?? [];
  if (!entries.length) return html`<p class="muted">No attempt yet.</p>`;
  return html`${
      task.attemptsDropped
        ? html`<p class="muted">${task.attemptsDropped} earlier attempts are no longer kept.</p>`
        : ''
    }
    <table id="attempts">
      <thead>
        <tr>
          <th>attempt</th>
          <th>outcome</th>
          <th>worker (lease owner)</th>
          <th>started</th>
          <th class="num">took</th>
          <th>error</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map(
          (e) =>
            html`<tr data-attempt="${e.attempt}">
              <td>${e.attempt}</td>
              <td><span style="color:${OUTCOME_COLOURS[e.outcome]}">■</span> ${e.outcome}</td>
              <td>${e.owner ?? ''}</td>
              <td>${time(new Date(e.startedAt).toISOString())}</td>
              <td class="num">
                ${e.endedAt !== undefined ? `${((e.endedAt - e.startedAt) / 1000).toFixed(2)} s` : ''}
              </td>
              <td>${e.error ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function objects(output: TaskOutput): Html {
  const parts = Object.entries(output.parts ?? {}).flatMap(([name, list]) =>
    list.map(
      (p) => html`<li><code>${p.name}</code> <span class="muted">(${name}, ${p.records} records)</span></li>`,
    ),
  );
  return html`<ul class="objects">
    ${
      output.shuffleObject
        ? html`<li>
            <code>${output.shuffleObject}</code>
            <span class="muted"
              >(shuffle: ${output.partitions?.length ?? 0} partitions,
              ${(output.partitions ?? []).reduce((n, p) => n + p.records, 0)} records)</span
            >
          </li>`
        : ''
    }
    ${parts}
  </ul>`;
}
