// Takes the screenshots of `cloudreduce ui` shown in the README and docs/ui.md, from real local
// runs (test/ui/scenario.ts: a two-stage run, a failed run, an interrupted run resumed with the
// CLI, a RUNNING run nobody runs), in Debian's Chromium through playwright-core.
//
//   node scripts/ui-screenshots.ts [OUT_DIR]        # default docs/img

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { SqliteStateStore } from '../src/adapters/local/sqlite-state-store.ts';
import { DEFAULT_PRICES } from '../src/core/prices.ts';
import { loadJobs } from '../src/runtime/job-modules.ts';
import { startUi } from '../src/ui/server.ts';
import { FIXTURE_JOBS, runCli } from '../test/cli/run-cli.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/ui/chromium.ts';
import { buildScenario, RUNS } from '../test/ui/scenario.ts';

async function main(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'ui-shots-'));
  const dataDir = await buildScenario(dir);
  const resumed = await runCli(['resume', RUNS.resumable, '--jobs', FIXTURE_JOBS], dir);
  if (resumed.code !== 0) throw new Error(`resume failed: ${resumed.stderr}`);
  const state = new SqliteStateStore(join(dataDir, 'state.db'));
  const failing = (await state.getRun(RUNS.failed))?.error?.taskId ?? 's0-map-00000';
  const server = await startUi(
    {
      state,
      where: '~/project/.cloudreduce',
      jobs: await loadJobs([pathToFileURL(FIXTURE_JOBS).href]),
      prices: DEFAULT_PRICES,
      resume: () => Promise.resolve('not in screenshots'),
    },
    { host: '127.0.0.1', port: 0 },
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const shots: [string, string][] = [
      ['ui-runs.png', '/'],
      ['ui-run.png', `/runs/${RUNS.multi}`],
      ['ui-failed.png', `/runs/${RUNS.failed}`],
      ['ui-timeline.png', `/runs/${RUNS.resumable}/timeline`],
      ['ui-task.png', `/runs/${RUNS.failed}/tasks/${failing}`],
      ['ui-running.png', `/runs/${RUNS.abortable}`],
    ];
    for (const [file, path] of shots) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(server.url + path);
      await page.screenshot({ path: join(outDir, file), fullPage: true });
      await page.close();
      console.log(`${file} ← ${path}`);
    }
  } finally {
    await browser.close();
    await server.close();
    await state.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main(resolve(process.argv[2] ?? 'docs/img')).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
