// The README quickstart, run exactly as documented (a job module given by path, params, query).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('the README quickstart job runs by path with a param, and its table can be queried', async () => {
  const data = await mkdtemp(join(tmpdir(), 'quickstart-'));
  try {
    const r = await runCli(
      [
        'run',
        './examples/top-users.ts',
        '--input',
        'examples/*.ndjson',
        '--param',
        'minAmount=5',
        '--data-dir',
        data,
      ],
      repo,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^DONE top-users run/m);
    const q = await runCli(
      ['query', 'SELECT user, total FROM user_totals ORDER BY total DESC', '--json', '--data-dir', data],
      repo,
    );
    assert.deepEqual(JSON.parse(q.stdout), [
      { user: 'cy', total: 40 },
      { user: 'ann', total: 19.5 },
      { user: 'bob', total: 9 },
    ]);
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});
