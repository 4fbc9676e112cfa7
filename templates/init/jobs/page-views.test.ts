// The job's test: runs it in one call against cloudreduce's local runtime (no cloud, no emulator)
// and checks its table. `npm test` runs every jobs/**/*.test.ts with node's test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from 'cloudreduce/testing';
import pageViews from './page-views.ts';

test('counts the views and sums the time of each page', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'page-views-test-'));
  try {
    const visits = [
      { page: '/home', user: 'ann', ms: 1200 },
      { page: '/docs', user: 'bob', ms: 5000 },
      { page: '/home', user: 'bob', ms: 800 },
    ];
    const file = join(dir, 'visits.ndjson');
    await writeFile(file, visits.map((v) => JSON.stringify(v)).join('\n') + '\n');

    const { run, outputs } = await runJob(pageViews, { inputs: [file] });

    assert.equal(run.status, 'DONE');
    const rows = [...(outputs.page_views ?? [])].sort((a, b) => String(a.page).localeCompare(String(b.page)));
    assert.deepEqual(rows, [
      { page: '/docs', views: 1, total_ms: 5000 },
      { page: '/home', views: 2, total_ms: 2000 },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
