// The status pages in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser) against real local runs — a failed run, a resumed run, a two-stage run, an
// aborted run — and a generated run of 10,000 tasks. No page may log a console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { DEFAULT_PRICES } from '../../src/core/prices.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';
import { LocalResumer } from '../../src/ui/local-resume.ts';
import { startUi, type UiServer } from '../../src/ui/server.ts';
import { FIXTURE_JOBS } from '../cli/run-cli.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { buildScenario, RUNS, writeBigRun } from './scenario.ts';

const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium; .ci/run does) to run the browser tests`;
if (skip) console.warn(`\n*** SKIPPING the UI browser tests: ${skip} ***\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cloudreduce ui in Chromium', { skip }, () => {
  let dir: string;
  let state: SqliteStateStore;
  let server: UiServer;
  let resumer: LocalResumer;
  let browser: Browser;
  const consoleErrors: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ui-browser-'));
    const dataDir = await buildScenario(dir);
    await writeBigRun(dataDir);
    state = new SqliteStateStore(join(dataDir, 'state.db'));
    const modules = [pathToFileURL(FIXTURE_JOBS).href];
    resumer = new LocalResumer(dataDir, modules, dir, { ...process.env, CLOUDREDUCE_LOG: 'warning' });
    server = await startUi(
      {
        state,
        where: dataDir,
        jobs: await loadJobs(modules),
        prices: DEFAULT_PRICES,
        resume: (runId) => resumer.resume(runId),
      },
      { host: '127.0.0.1', port: 0 },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await resumer?.close();
    await state?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    assert.deepEqual(consoleErrors, [], 'no page logged a console error');
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    const response = await page.goto(server.url + path);
    assert.equal(response?.status(), 200, `GET ${path}`);
    return page;
  }

  /** Attempts the state holds for a run's tasks (the first page of 100). */
  async function storedAttempts(runId: string): Promise<number> {
    const tasks = await state.listTasks(runId);
    return tasks.slice(0, 100).reduce((n, t) => n + (t.attempts?.length ?? 0), 0);
  }

  test('the runs page lists the runs newest first and filters them by status and job', async () => {
    const page = await open('/');
    const ids = await page
      .locator('#runs tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    const stored = (await state.listRuns()).map((r) => r.runId);
    assert.deepEqual(ids, stored, 'the same runs as the state, newest first');
    await page.selectOption('select[name=status]', 'FAILED');
    await page.waitForURL(/status=FAILED/);
    assert.deepEqual(
      await page.locator('#runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run'))),
      [RUNS.failed],
    );
    await page.goto(`${server.url}/?job=slow-count`);
    const slow = await page
      .locator('#runs tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    assert.deepEqual(slow.sort(), [RUNS.abortable, RUNS.resumable].sort());
    await page.close();
  });

  test('a failed run shows its error with task, position and stack; the timeline marks every failed attempt', async () => {
    const run = await state.getRun(RUNS.failed);
    assert.equal(run?.status, 'FAILED');
    const page = await open(`/runs/${RUNS.failed}`);
    const error = page.locator('#run-error');
    assert.match(await error.innerText(), /cannot map "boom here"/);
    assert.match(await error.innerText(), /boom\.txt:3/, 'the input position');
    assert.match(await error.locator('a').innerText(), /^s0-map-/, 'the failing task, linked');
    assert.match(await error.locator('pre').innerText(), /at /, 'the stack');
    await page.click('text=timeline');
    const attempts = page.locator('g.attempt');
    assert.equal(await attempts.count(), await storedAttempts(RUNS.failed), 'one bar per attempt');
    const failing = await state.getTask(RUNS.failed, run!.error!.taskId!);
    const outcomes = await page
      .locator(`g.attempt[data-task="${failing!.taskId}"]`)
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-outcome')));
    assert.deepEqual(outcomes, ['retry', 'retry', 'failed'], 'maxAttempts 3: two retries, then failed');
    assert.equal(await page.locator(`g.attempt[data-task="${failing!.taskId}"] .cross`).count(), 3);
    await page.close();
  });

  test('a two-stage run shows its stages as a chain with inputs, outputs and map and reduce counters apart', async () => {
    const page = await open(`/runs/${RUNS.multi}`);
    const stages = page.locator('.chain .stage');
    assert.equal(await stages.count(), 2);
    const second = await stages.nth(1).innerText();
    assert.match(second, /2\. spread/);
    assert.match(second, /in: stage stage=index/);
    assert.match(second, /map counters/);
    assert.match(second, /reduce counters/);
    assert.match(await stages.nth(0).innerText(), /in: text paths=texts\/\*\.txt|in: text/);
    assert.match(await page.locator('#cost').innerText(), /total/i);
    await page.click('text=timeline');
    assert.equal(await page.locator('g.attempt').count(), await storedAttempts(RUNS.multi));
    await page.close();
  });

  test('resume on the page finishes an interrupted run; the timeline shows every attempt, none left open', async () => {
    const page = await open(`/runs/${RUNS.resumable}`);
    page.once('dialog', (d) => void d.accept());
    await page.click('#resume');
    await page.waitForURL(/flash=/);
    assert.match(await page.locator('.flash').innerText(), /Resuming run interrupted/);
    for (let i = 0; i < 1200; i++) {
      if ((await state.getRun(RUNS.resumable))?.status !== 'RUNNING') break;
      await sleep(100);
    }
    assert.equal((await state.getRun(RUNS.resumable))?.status, 'DONE');
    // The open page refreshes itself: it shows DONE without a reload, and stops refreshing.
    await page.waitForFunction(() => document.body.dataset.live === 'no', undefined, { timeout: 60_000 });
    assert.equal(await page.locator('h1 .badge').innerText(), 'DONE');
    await page.goto(`${server.url}/runs/${RUNS.resumable}/timeline`);
    const outcomes = await page
      .locator('g.attempt')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-outcome')));
    assert.equal(outcomes.length, await storedAttempts(RUNS.resumable));
    // The attempt open at the kill, if one was (the kill may land between two tasks), is closed:
    // released by resume, or expired. None stays open.
    assert.ok(!outcomes.includes('running'));
    await page.close();
  });

  test('abort on the page stops a run; a POST without the token is refused', async () => {
    const refused = await fetch(`${server.url}/runs/${RUNS.abortable}/abort`, { method: 'POST' });
    assert.equal(refused.status, 403);
    const forged = await fetch(`${server.url}/runs/${RUNS.abortable}/abort`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${server.token}`,
    });
    assert.equal(forged.status, 403, 'another origin is refused even with the token');
    assert.equal((await state.getRun(RUNS.abortable))?.status, 'RUNNING');

    const page = await open(`/runs/${RUNS.abortable}`);
    assert.equal(
      await page.locator('body').getAttribute('data-live'),
      'yes',
      'a running run refreshes itself',
    );
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.click('#abort');
    await page.waitForURL(/flash=/);
    assert.match(asked, /Abort run to-abort\?/);
    assert.match(await page.locator('.flash').innerText(), /Run to-abort aborted/);
    const run = await state.getRun(RUNS.abortable);
    assert.equal(run?.status, 'ABORTED');
    assert.equal(run?.error?.message, 'aborted by the user (cloudreduce ui)');
    assert.equal(await page.locator('#abort').count(), 0, 'no abort button on a finished run');
    await page.close();
  });

  test('a run of 10,000 tasks: the run page and the timeline load one page at a time', async () => {
    const page = await open(`/runs/${RUNS.big}`);
    assert.equal(await page.locator('#tasks tbody tr').count(), 100);
    assert.match(await page.locator('.pager .pos').innerText(), /page 1 of 100 \(10000\)/);
    await page.goto(`${server.url}/runs/${RUNS.big}?page=100`);
    const last = await page
      .locator('#tasks tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task')));
    assert.equal(last.length, 100);
    assert.equal(last.at(-1), 's0-map-09999');
    await page.goto(`${server.url}/runs/${RUNS.big}/timeline?page=2`);
    assert.equal(await page.locator('g.task-row').count(), 100);
    // Tasks 100-199: every 7th was retried once (two attempts).
    let expected = 0;
    for (let i = 100; i < 200; i++) expected += i % 7 === 0 ? 2 : 1;
    assert.equal(await page.locator('g.attempt').count(), expected);
    await page.close();
  });
});
