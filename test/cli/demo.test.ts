// `cloudreduce demo` (npm start) run twice in one directory: the tables are appended, so what it
// prints, and the query it suggests, must still show each row once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const HINT =
  'Query it yourself: npx cloudreduce query "SELECT DISTINCT * FROM word_cooccur WHERE ts = (SELECT max(ts) FROM word_cooccur) ORDER BY log_weight DESC LIMIT 20"';

test('a second demo run prints the same top rows once each, and its suggested query shows no duplicates', async () => {
  const outputs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['demo'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^stored 10000 Tweet entities \(upserted by tid: a re-run replaces them, no duplicates\)$/m,
    );
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), HINT);
    assert.ok(r.stdout.includes('\ntop words'), r.stdout);
    outputs.push(r.stdout.slice(r.stdout.indexOf('\ntop words')));
  }
  assert.equal(outputs[1], outputs[0], 'the second run prints the same tables');

  const sql = /query "(.*)"$/.exec(HINT)![1]!;
  const q = await runCli(['query', sql, '--json'], dir);
  assert.equal(q.code, 0, q.stderr);
  const rows = JSON.parse(q.stdout) as { w1: string; w2: string; ts: string }[];
  assert.equal(rows.length, 20);
  assert.equal(new Set(rows.map((r) => `${r.w1} ${r.w2}`)).size, 20, 'no pair twice');
  const all = await runCli(['query', 'SELECT count(*) AS n FROM word_cooccur', '--json'], dir);
  assert.deepEqual(JSON.parse(all.stdout), [{ n: 600 }], 'both runs appended their 300 rows');
});
