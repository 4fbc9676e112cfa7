// The HTTP ingest function behind functions-framework's real HTTP server, against the Datastore emulator and the GCS fake (function-fixture.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import * as ff from '@google-cloud/functions-framework';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { ingestHttp } from '../../functions/ingest/handlers.ts';
import { fx, ingestFixture, kindName, post, serve, stored } from './function-fixture.ts';

ingestFixture();

test('functions/ingest registers an HTTP "ingest" and a CloudEvent "ingestObject" without touching the cloud', async () => {
  await import('../../functions/ingest/index.ts');
  assert.equal(typeof getFunction('ingest'), 'function');
  assert.equal(getFunction('ingestObject')?.length, 1);
});

void describe('HTTP ingest', () => {
  let server: { url: string; close(): Promise<void> };
  before(async () => {
    const name = `ingest-test-${randomUUID().slice(0, 8)}`;
    ff.http(
      name,
      ingestHttp(async () => fx.deps),
    );
    server = await serve(name);
  });
  after(() => server.close());

  const send = (body: string, query = `?kind=${kindName}`, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body,
    });

  void test('a JSON array of 550 records is stored in commits of ≤500; re-sending it duplicates nothing', async () => {
    const records = Array.from({ length: 550 }, (_, i) => post(i + 1, { likes: i }));
    for (let round = 0; round < 2; round++) {
      const res = await send(JSON.stringify(records), `?kind=${kindName}`, {
        'content-type': 'application/json',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { kind: kindName, stored: 550, commits: 2 });
    }
    const all = await stored();
    assert.equal(all.length, 550);
    const p7 = all.find((e) => e.key.id === '7')!;
    assert.deepEqual(p7.properties.at, new Date('2026-11-20T10:00:00Z'));
    assert.equal(p7.properties.likes, 6);
  });

  void test('NDJSON with the kind in a header; a bad record rejects the request with every problem', async () => {
    const ok = await send(`${JSON.stringify(post('9007199254740993'))}\n`, '', {
      'x-cloudreduce-kind': kindName,
      'content-type': 'application/x-ndjson',
    });
    assert.equal(ok.status, 200);
    assert.ok(
      (await stored()).some((e) => e.key.id === '9007199254740993'),
      'an id past 2^53 keeps every digit',
    );

    const bad = await send(
      [
        JSON.stringify(post(2000)),
        JSON.stringify({ user: 1 }),
        JSON.stringify(post(2001, { likes: 'many' })),
      ].join('\n'),
    );
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: string; rejected: unknown };
    assert.deepEqual(body.rejected, [
      { line: 2, problems: ['"user" must be a string; got 1', 'missing the key "pid"'] },
      { line: 3, problems: ['"likes" must be an integer (a number or a decimal string); got "many"'] },
    ]);
    assert.match(body.error, /^2 bad Post\w+ record\(s\) in the request body; nothing was stored:/);
    assert.ok(!(await stored()).some((e) => e.key.id === '2000'), 'the good record was not stored either');
  });

  void test('CSV with Content-Type text/csv is stored; a header that does not fit the kind is refused once', async () => {
    const csv = 'text/csv; charset=utf-8';
    const ok = await send(
      'pid,user,text,at,likes\n3001,ann,"hi, all",2026-11-20T10:00:00Z,5\n3002,bob,yo,,\n',
      undefined,
      {
        'content-type': csv,
      },
    );
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(await ok.json(), { kind: kindName, stored: 2, commits: 1 });
    const e = (await stored()).find((x) => x.key.id === '3001');
    assert.deepEqual(e?.properties, {
      pid: 3001,
      user: 'ann',
      text: 'hi, all',
      at: new Date('2026-11-20T10:00:00Z'),
      likes: 5,
    });

    const rows = Array.from({ length: 40 }, (_, i) => `${4000 + i},ann,hi`).join('\n');
    const bad = await send(`id,username,text\n${rows}\n`, undefined, { 'content-type': csv });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: `The CSV header of the request body has unknown column(s) id, username and lacks the key column pid; ${kindName}'s columns are pid, user, text, at, likes.`,
    });
    assert.ok(!(await stored()).some((x) => x.key.id === '4000'), 'nothing stored');
  });

  void test('too large, too many, wrong method, unknown kind and no kind each get their status and fix', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [
        send('x'.repeat(70 * 1024)),
        413,
        'The body is 71680 bytes, more than the 65536 allowed; send the records in smaller parts.',
      ],
      [
        send(JSON.stringify(Array.from({ length: 601 }, (_, i) => ({ pid: i + 1 }))), undefined, {
          'content-type': 'application/json',
        }),
        413,
        '601 records in the request body, more than the 600 allowed per request; split it.',
      ],
      [
        fetch(`${server.url}/?kind=${kindName}`),
        405,
        'Use POST with a JSON array, NDJSON or CSV body; got GET.',
      ],
      [send('[]', '?kind=Nope'), 404, `Unknown kind "Nope"; this endpoint ingests ${kindName}.`],
      [send('[]', ''), 400, 'Name the kind: ?kind=Tweet or the x-cloudreduce-kind header.'],
      [send('  '), 400, 'The body is empty; send a JSON array, NDJSON records or CSV with a header line.'],
    ];
    for (const [response, status, error] of cases) {
      const res = await response;
      assert.equal(res.status, status, error);
      assert.deepEqual(await res.json(), { error });
    }
  });

  void test('every answer is our JSON: bad JSON names its position, other or no Content-Type is a 415', async () => {
    const accepted =
      'send application/json (a JSON array of records), application/x-ndjson or application/jsonl (one JSON ' +
      'record a line) or text/csv (a header line, then one record a line).';
    const raw = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        // node:http, because fetch always adds a Content-Type to a string body.
        const req = request(`${server.url}/?kind=${kindName}`, { method: 'POST', headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    const cases: [Record<string, string>, string, number, string | RegExp][] = [
      [
        { 'content-type': 'application/json' },
        '[{"pid": 1,\n "user": "ann"',
        400,
        /^The request body is not valid JSON: .*position \d+ \(line 2 column \d+\)\. Correct it and send it again\.$/,
      ],
      [
        { 'content-type': 'text/plain' },
        JSON.stringify(post(4001)),
        415,
        `Content-Type text/plain is not accepted; ${accepted}`,
      ],
      [
        { 'content-type': 'application/x-www-form-urlencoded' },
        JSON.stringify(post(4002)),
        415,
        `Content-Type application/x-www-form-urlencoded is not accepted; ${accepted}`,
      ],
      [{}, JSON.stringify(post(4003)), 415, `The request has no Content-Type; ${accepted}`],
    ];
    for (const [headers, body, status, error] of cases) {
      const res = await raw(headers, body);
      assert.equal(res.status, status, res.body);
      assert.match(res.type, /^application\/json/, res.body);
      const answer = (JSON.parse(res.body) as { error: string }).error;
      if (typeof error === 'string') assert.equal(answer, error);
      else assert.match(answer, error);
    }
    const ids = (await stored()).map((e) => e.key.id);
    assert.deepEqual(
      ids.filter((id) => ['4001', '4002', '4003'].includes(id ?? '')),
      [],
    );
  });
});
