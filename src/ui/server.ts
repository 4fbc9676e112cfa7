// `cloudreduce ui`: a local web server over the state `status` reads. Routing is hono's; pages are
// rendered on the server (no build step, no client framework). Abort and resume are POSTs that
// must carry this server's random token and, when the browser sends one, an Origin of this
// server, so another site open in the same browser cannot trigger them.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { PriceTable } from '../core/prices.ts';
import type { TaskPhase, TaskState } from '../core/records.ts';
import type { JobRegistry } from '../core/registry.ts';
import { abortRun } from '../core/run-control.ts';
import type { StateStore, TaskFilter } from '../ports/state-store.ts';
import { costOf } from '../cli/cost.ts';
import { progressOf, taskPage as loadTaskPage } from './data.ts';
import { page, pageOf } from './layout.ts';
import { runPage, TASKS_PER_PAGE } from './run-page.ts';
import { runsPage } from './runs-page.ts';
import { taskPage } from './task-page.ts';
import { timelinePage } from './timeline-page.ts';

export interface UiSource {
  state: StateStore;
  /** "/path/.cloudreduce", "the dev cloud", "project my-project". */
  where: string;
  /** For stages' inputs and outputs; runs of jobs it does not know show names only. */
  jobs?: JobRegistry;
  prices: PriceTable;
  /** Starts `cloudreduce resume RUN`; absent where resume is not offered (with the reason). */
  resume?: (runId: string) => Promise<string>;
  resumeUnavailable?: string;
  now?: () => number;
}

export interface UiServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export function createApp(source: UiSource, token: string): Hono {
  const app = new Hono();
  const now = source.now ?? Date.now;
  const actions = {
    token,
    ...(source.resumeUnavailable ? { resumeUnavailable: source.resumeUnavailable } : {}),
  };

  app.get('/', async (c) => {
    const filter = { job: c.req.query('job') ?? '', status: c.req.query('status') ?? '' };
    return c.html(
      await runsPage(
        source.state,
        source.where,
        filter,
        pageOf(c.req.query('page')),
        now(),
        c.req.query('flash'),
      ),
    );
  });

  app.get('/runs/:runId', async (c) => {
    const run = await source.state.getRun(c.req.param('runId'));
    if (!run) return notFound(c, source.where, `No run "${c.req.param('runId')}" in ${source.where}.`);
    const filter = taskFilter(c);
    const pageIndex = pageOf(c.req.query('page'));
    const [progress, tasks] = await Promise.all([
      progressOf(source.state, run),
      loadTaskPage(source.state, run, filter, pageIndex, TASKS_PER_PAGE),
    ]);
    const wantCost = run.status !== 'RUNNING' || c.req.query('cost') === '1';
    const cost = wantCost ? costOf(run, await source.state.listTasks(run.runId), source.prices) : undefined;
    const flash = c.req.query('flash');
    return c.html(
      runPage({
        run,
        job: source.jobs?.has(run.job) ? source.jobs.get(run.job) : undefined,
        progress,
        tasks: tasks.tasks,
        totalTasks: tasks.total,
        filter,
        pageIndex,
        cost,
        actions,
        where: source.where,
        now: now(),
        ...(flash ? { flash } : {}),
      }),
    );
  });

  app.get('/runs/:runId/timeline', async (c) => {
    const run = await source.state.getRun(c.req.param('runId'));
    if (!run) return notFound(c, source.where, `No run "${c.req.param('runId')}" in ${source.where}.`);
    const filter = taskFilter(c);
    const pageIndex = pageOf(c.req.query('page'));
    const tasks = await loadTaskPage(source.state, run, filter, pageIndex, TASKS_PER_PAGE);
    return c.html(timelinePage(run, tasks, filter, pageIndex, source.where, now()));
  });

  app.get('/runs/:runId/tasks/:taskId', async (c) => {
    const { runId, taskId } = c.req.param();
    const [run, task] = await Promise.all([source.state.getRun(runId), source.state.getTask(runId, taskId)]);
    if (!run || !task)
      return notFound(c, source.where, `No task "${taskId}" of run "${runId}" in ${source.where}.`);
    return c.html(taskPage(run, task, source.prices, source.where, now()));
  });

  app.post('/runs/:runId/:action{abort|resume}', async (c) => {
    const { runId, action } = c.req.param();
    const body = await c.req.parseBody();
    if (!sameToken(String(body.token ?? ''), token) || !sameOrigin(c)) {
      return c.text(
        'Refused: this form did not come from this cloudreduce ui (missing or wrong token). Reload the page and try again.',
        403,
      );
    }
    let flash: string;
    if (action === 'abort') {
      const result = await source.state.updateRun(runId, abortRun(now(), 'cloudreduce ui'));
      if (!result) return notFound(c, source.where, `No run "${runId}" in ${source.where}.`);
      flash = result.changed ? `Run ${runId} aborted.` : `Run ${runId} is already ${result.record.status}.`;
    } else if (source.resume) {
      flash = await source.resume(runId);
    } else {
      flash = source.resumeUnavailable ?? 'Resume is not available here.';
    }
    return c.redirect(`/runs/${encodeURIComponent(runId)}?flash=${encodeURIComponent(flash)}`, 303);
  });

  app.onError((err, c) =>
    c.html(
      page(
        { title: 'Error', where: source.where },
        html`<h1>Error</h1>
          <div class="error"><pre>${err.stack ?? err.message}</pre></div>`,
      ),
      500,
    ),
  );
  return app;
}

export async function startUi(source: UiSource, options: { host: string; port: number }): Promise<UiServer> {
  const token = randomBytes(24).toString('base64url');
  const app = createApp(source, token);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

function taskFilter(c: Context): TaskFilter {
  const filter: TaskFilter = {};
  const stage = Number(c.req.query('stage'));
  if (c.req.query('stage') && Number.isSafeInteger(stage)) filter.stage = stage;
  const phase = c.req.query('phase');
  if (phase === 'map' || phase === 'reduce') filter.phase = phase as TaskPhase;
  const state = c.req.query('state');
  if (state && ['PENDING', 'RUNNING', 'DONE', 'FAILED'].includes(state)) filter.state = state as TaskState;
  return filter;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A browser sends Origin with a POST; when it does, it must be this server. */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  try {
    return new URL(origin).host === c.req.header('host');
  } catch {
    return false;
  }
}

function notFound(c: Context, where: string, message: string) {
  return c.html(
    page(
      { title: 'Not found', where },
      html`<h1>Not found</h1>
        <p>${message} <a href="/">All runs</a></p>`,
    ),
    404,
  );
}
