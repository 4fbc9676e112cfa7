// The task timeline: one row per task, one bar per attempt on the run's time axis, drawn as
// inline SVG on the server. Slices, retries, expired leases and failures each have their colour,
// and failed attempts a cross, so stragglers and retry storms show at a glance.

import { html } from 'hono/html';
import type { AttemptEntry, AttemptOutcome } from '../core/attempt-history.ts';
import type { RunRecord, TaskRecord } from '../core/records.ts';
import type { Html } from './layout.ts';

export const OUTCOME_COLOURS: Record<AttemptOutcome, string> = {
  running: '#2b6cb0',
  done: '#1f9d55',
  slice: '#805ad5',
  retry: '#dd6b20',
  failed: '#c53030',
  expired: '#718096',
  released: '#a0aec0',
};

const OUTCOME_LABELS: Record<AttemptOutcome, string> = {
  running: 'running',
  done: 'committed',
  slice: 'slice committed, continued',
  retry: 'failed, retried',
  failed: 'failed, final',
  expired: 'lease expired',
  released: 'released (resume)',
};

const WIDTH = 1200;
const LABEL = 150;
const ROW = 18;
const AXIS = 26;

export function timelineSvg(run: RunRecord, tasks: readonly TaskRecord[], clock: number): Html {
  // An attempt still open when the run ended (aborted, or its worker vanished) ends with the run.
  const now = run.finishedAt ? Date.parse(run.finishedAt) : clock;
  const t0 = Date.parse(run.createdAt);
  const t1 = Math.max(t0 + 1, run.finishedAt ? Date.parse(run.finishedAt) : now, ...ends(tasks, now));
  const x = (t: number) => LABEL + ((t - t0) / (t1 - t0)) * (WIDTH - LABEL - 10);
  const height = AXIS + tasks.length * ROW + 6;
  const ticks = Array.from({ length: 7 }, (_, i) => t0 + ((t1 - t0) * i) / 6);
  return html`<svg
    class="timeline"
    xmlns="http://www.w3.org/2000/svg"
    width="${WIDTH}"
    height="${height}"
    viewBox="0 0 ${WIDTH} ${height}"
    role="img"
    aria-label="attempts of ${tasks.length} tasks over time"
  >
    ${ticks.map(
      (t) =>
        html`<line x1="${x(t)}" x2="${x(t)}" y1="${AXIS - 6}" y2="${height}" stroke="#edf2f7" />
          <text x="${x(t)}" y="14" text-anchor="middle">${seconds(t - t0)}</text>`,
    )}
    ${tasks.map((task, row) => taskRow(run, task, AXIS + row * ROW, x, now))}
  </svg>`;
}

function taskRow(run: RunRecord, task: TaskRecord, y: number, x: (t: number) => number, now: number): Html {
  const entries = attemptsOf(task, now);
  const href = `/runs/${encodeURIComponent(run.runId)}/tasks/${encodeURIComponent(task.taskId)}`;
  return html`<g class="task-row" data-task="${task.taskId}">
    <a href="${href}"><text x="4" y="${y + 12}">${task.taskId}</text></a>
    ${
      task.attemptsDropped
        ? html`<text x="${LABEL - 4}" y="${y + 12}" text-anchor="end">+${task.attemptsDropped}</text>`
        : ''
    }
    ${entries.map((e) => {
      const start = x(e.startedAt);
      const end = x(e.endedAt ?? now);
      const w = Math.max(2, end - start);
      const took = seconds((e.endedAt ?? now) - e.startedAt);
      const bad = e.outcome === 'failed' || e.outcome === 'retry';
      return html`<g
        class="attempt"
        data-task="${task.taskId}"
        data-attempt="${e.attempt}"
        data-outcome="${e.outcome}"
      >
        <rect
          x="${start}"
          y="${y + 2}"
          width="${w}"
          height="${ROW - 5}"
          rx="2"
          fill="${OUTCOME_COLOURS[e.outcome]}"
        >
          <title>
            ${task.taskId} attempt ${e.attempt}: ${OUTCOME_LABELS[e.outcome]},
            ${took}${e.owner ? ` on ${e.owner}` : ''}${e.error ? ` — ${e.error}` : ''}
          </title>
        </rect>
        ${
          bad
            ? html`<text x="${start + w + 2}" y="${y + 12}" fill="${OUTCOME_COLOURS[e.outcome]}" class="cross"
                >✕</text
              >`
            : ''
        }
      </g>`;
    })}
  </g>`;
}

/** The task's attempt history; a record written before histories existed shows as one bar. */
function attemptsOf(task: TaskRecord, now: number): AttemptEntry[] {
  if (task.attempts?.length) return task.attempts;
  if (!task.startedAt) return [];
  const outcome: AttemptOutcome =
    task.state === 'DONE'
      ? 'done'
      : task.state === 'FAILED'
        ? 'failed'
        : task.state === 'RUNNING'
          ? 'running'
          : 'released';
  return [
    {
      attempt: task.attempt,
      startedAt: Date.parse(task.startedAt),
      endedAt: task.finishedAt ? Date.parse(task.finishedAt) : now,
      outcome,
    },
  ];
}

function ends(tasks: readonly TaskRecord[], now: number): number[] {
  return tasks.flatMap((t) => (t.attempts ?? []).map((e) => e.endedAt ?? now));
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(0)} s`;
}

export function legend(): Html {
  return html`<p class="legend">
    ${(Object.keys(OUTCOME_COLOURS) as AttemptOutcome[]).map(
      (o) => html`<span><i style="background:${OUTCOME_COLOURS[o]}"></i>${OUTCOME_LABELS[o]}</span>`,
    )}
    <span>✕ failed attempt</span>
  </p>`;
}
