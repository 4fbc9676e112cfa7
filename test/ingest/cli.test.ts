import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/run-cli.ts';

const KINDS_MODULE = fileURLToPath(new URL('../../src/ingest/kinds.ts', import.meta.url));
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ingestFile(name: string, text: string, args: string[]) {
  await writeFile(join(dir, name), text);
  return runCli(['ingest', ...args, name], dir);
}

test('a declared kind (Tweet) is checked against its schema and stored from NDJSON or CSV', async () => {
  const ok = await ingestFile(
    'tweets.ndjson',
    '{"tid":"1234567890123456789","user":"ann","text":"hi","created_at":"2026-11-20T10:00:00Z"}\n',
    ['--kind', 'Tweet'],
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'ingested 1 Tweet entities from tweets.ndjson\n');
  const csv = await ingestFile(
    'tweets.csv',
    'tid,user,text,created_at,urls\n7,bob,"a, b",2026-11-20T11:00:00Z,"[""http://x""]"\n',
    ['--kind', 'Tweet'],
  );
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, 'ingested 1 Tweet entities from tweets.csv\n');
});

test('a CSV saved with a byte order mark (Excel "CSV UTF-8") ingests like one without, as run reads it', async () => {
  const r = await ingestFile('bom.csv', '\uFEFFid,name\n1,ann\n2,bob\n', ['--kind', 'Person', '--key', 'id']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ingested 2 Person entities from bom.csv\n');
});

test('bad records stop the ingest: every bad line is listed and nothing is stored', async () => {
  const r = await ingestFile(
    'bad.ndjson',
    '{"tid":1,"user":"ann"}\n{"tid":2,"user":3,"color":"red"}\n{"text":"no key"}\n',
    ['--kind', 'Tweet'],
  );
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'error: 2 bad Tweet record(s) in bad.ndjson; nothing was stored:\n' +
      '  line 2: "user" must be a string; got 3; unknown property "color" (Tweet has tid, user, text, created_at, urls)\n' +
      '  line 3: missing the key "tid"\n' +
      'Fix the lines and run again.\n',
  );
});

test('bad invocations say what to do', async () => {
  const cases: [string, string, string[], string][] = [
    [
      't.txt',
      'x',
      ['--kind', 'Tweet'],
      'error: t.txt: ingest reads .ndjson (or .jsonl) and .csv files; rename the file or convert it.\n',
    ],
    [
      'k.ndjson',
      '{"tid":1}',
      ['--kind', 'Tweet', '--key', 'id'],
      'error: kind Tweet is keyed by "tid", not "id"; drop --key or use another kind name.\n',
    ],
    [
      'd.ndjson',
      '{"tid":1}',
      ['--kind', 'Tweet', '--datetime', 'user'],
      'error: --datetime user: kind Tweet declares no datetime property "user"; its schema decides.\n',
    ],
    ['m.ndjson', '{"tid":1}', ['--kind', 'Tweet', '--kinds', 'nope.ts'], ''],
  ];
  for (const [name, text, args, message] of cases) {
    const r = await ingestFile(name, text, args);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    if (message) assert.equal(r.stderr, message);
    else assert.match(r.stderr, /^error: cannot load kinds module nope\.ts: /);
  }
  const missing = await runCli(['ingest', '--kind', 'Tweet', 'absent.ndjson'], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: cannot read absent\.ndjson: ENOENT/);
});

test('user kinds come from --kinds modules; undeclared kinds are keyed by --key', async () => {
  await writeFile(
    join(dir, 'kinds.ts'),
    `import { defineKind } from ${JSON.stringify(KINDS_MODULE)};\n` +
      `export const Log = defineKind({ kind: 'Log', key: 'name', properties: { name: 'string', n: 'integer' } });\n`,
  );
  const ok = await ingestFile('logs.csv', 'name,n\na,1\nb,2\n', ['--kind', 'Log', '--kinds', 'kinds.ts']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'ingested 2 Log entities from logs.csv\n');
  const bad = await ingestFile('logs2.csv', 'name,n\na,x\n', ['--kind', 'Log', '--kinds', 'kinds.ts']);
  assert.match(bad.stderr, /line 2: "n" must be an integer \(a number or a decimal string\); got "x"/);
  const open = await ingestFile('things.ndjson', '{"sku":"a-1","price":3}\n', [
    '--kind',
    'Thing',
    '--key',
    'sku',
  ]);
  assert.equal(open.stdout, 'ingested 1 Thing entities from things.ndjson\n');
  const noKey = await ingestFile('things2.ndjson', '{"sku":"a-1"}\n', ['--kind', 'Thing']);
  assert.match(noKey.stderr, /line 1: missing the key "id"/);
});
