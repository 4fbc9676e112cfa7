// The abort and resume buttons. Each is a POST form carrying the server's CSRF token, with a
// confirmation; the server checks the token (and the Origin) before it calls the command's code.

import { html } from 'hono/html';
import type { RunRecord } from '../core/records.ts';
import type { Html } from './layout.ts';

export interface Actions {
  token: string;
  /** Why resume is not offered here (cloud targets: the sweeper resumes their runs). */
  resumeUnavailable?: string;
}

export function actionButtons(run: RunRecord, actions: Actions): Html {
  if (run.status !== 'RUNNING') return html``;
  const base = `/runs/${encodeURIComponent(run.runId)}`;
  const idle = Math.round((Date.now() - Date.parse(run.updatedAt)) / 1000);
  return html`<div class="actions">
    <form
      class="inline"
      method="post"
      action="${base}/abort"
      onsubmit="return confirm('Abort run ${run.runId}? Its tasks stop at their next lease check; this cannot be undone.')"
    >
      <input type="hidden" name="token" value="${actions.token}" />
      <button class="danger" id="abort">abort</button>
    </form>
    ${
      actions.resumeUnavailable
        ? html`<span class="muted">${actions.resumeUnavailable}</span>`
        : html`<form
            class="inline"
            method="post"
            action="${base}/resume"
            onsubmit="return confirm('Resume run ${run.runId}? Only if the process that ran it has stopped (last change ${idle} s ago): committed work is kept, the rest runs again here.')"
          >
            <input type="hidden" name="token" value="${actions.token}" />
            <button id="resume">resume</button>
          </form>`
    }
  </div>`;
}
