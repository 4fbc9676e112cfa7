// Log entries of a delivery carry Cloud Logging's trace field when the request had a trace
// header, so the log explorer shows a message's entries under its trace. Checked through
// functions-framework's real HTTP server and the functions' JSON log format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { wrapHandler } from '../../src/cloud/function-wrapper.ts';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';
import { SAMPLED_FIELD, SPAN_FIELD, TRACE_FIELD, traceFields } from '../../src/cloud/trace.ts';
import type { EngineEnv } from '../../src/core/env.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

test('traceFields reads W3C traceparent and X-Cloud-Trace-Context, and ignores what is not a trace', () => {
  const cases: [Parameters<typeof traceFields>[1], Record<string, unknown>][] = [
    [
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      {
        [TRACE_FIELD]: `projects/p1/traces/${TRACE_ID}`,
        [SPAN_FIELD]: '00f067aa0ba902b7',
        [SAMPLED_FIELD]: true,
      },
    ],
    [
      { cloudTraceContext: `${TRACE_ID.toUpperCase()}/1;o=0` },
      {
        [TRACE_FIELD]: `projects/p1/traces/${TRACE_ID}`,
        [SPAN_FIELD]: '0000000000000001',
        [SAMPLED_FIELD]: false,
      },
    ],
    [{ cloudTraceContext: TRACE_ID }, { [TRACE_FIELD]: `projects/p1/traces/${TRACE_ID}` }],
    [{ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }, {}],
    [{ traceparent: 'garbage' }, {}],
    [{}, {}],
  ];
  for (const [headers, expected] of cases) assert.deepEqual(traceFields('p1', headers), expected);
  assert.deepEqual(traceFields(undefined, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }), {});
});

test('a pushed message with a traceparent header logs entries with projects/P/traces/ID', async () => {
  const lines: string[] = [];
  const logger = createJsonLogger('DEBUG', (line) => lines.push(line));
  const name = `trace-test-${randomUUID().slice(0, 8)}`;
  ff.cloudEvent(
    name,
    wrapHandler(
      name,
      async (env) => {
        env.logger.info('working on it');
        return 'ack';
      },
      { env: async () => ({ logger }) as unknown as EngineEnv, logger, project: 'p1' },
    ),
  );
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const send = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}/projects/p1/topics/cloudreduce-map`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          subscription: 's',
          message: {
            data: Buffer.from(JSON.stringify({ runId: 'r1', taskId: 's0-map-00001' })).toString('base64'),
            messageId: '42',
          },
        }),
      });
    assert.equal((await send({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` })).status, 204);
    const traced = JSON.parse(lines.find((l) => l.includes('working on it'))!) as Record<string, unknown>;
    assert.equal(traced[TRACE_FIELD], `projects/p1/traces/${TRACE_ID}`);
    assert.equal(traced[SPAN_FIELD], '00f067aa0ba902b7');
    assert.deepEqual(traced['logging.googleapis.com/labels'], {
      function: name,
      messageId: '42',
      topic: 'cloudreduce-map',
      runId: 'r1',
      taskId: 's0-map-00001',
    });

    lines.length = 0;
    assert.equal((await send({})).status, 204);
    const plain = JSON.parse(lines.find((l) => l.includes('working on it'))!) as Record<string, unknown>;
    assert.equal(TRACE_FIELD in plain, false, 'no header, no trace field');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
