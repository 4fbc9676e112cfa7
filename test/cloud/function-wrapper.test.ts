// The shared function wrapper behind functions-framework's real HTTP server: every way a Pub/Sub
// message reaches a function (Eventarc binary and structured CloudEvents, a raw push body) is
// decoded, and each outcome maps to the status Pub/Sub acts on (204 ack, 500 redeliver).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Outcome } from '../../src/core/dispatch.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { ConfigError, TransientError } from '../../src/core/errors.ts';
import { memoryLogger } from '../../src/core/logger.ts';
import type { IncomingMessage } from '../../src/ports/message-bus.ts';
import { wrap, wrapHandler } from '../../src/cloud/function-wrapper.ts';
import { LocalRuntime } from '../../src/runtime/local-runtime.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

interface Served {
  url: string;
  received: IncomingMessage[];
  logs: ReturnType<typeof memoryLogger>['entries'];
  close(): Promise<void>;
}

/** Registers a wrapped handler under a unique name and serves it on a free port. */
async function serve(
  respond: (m: IncomingMessage) => Promise<Outcome>,
  getEnv?: () => Promise<EngineEnv>,
): Promise<Served> {
  const name = `wrapper-test-${randomUUID().slice(0, 8)}`;
  const received: IncomingMessage[] = [];
  const { logger, entries } = memoryLogger();
  const env = { logger } as unknown as EngineEnv; // the test handler only logs
  ff.cloudEvent(
    name,
    wrapHandler(
      name,
      async (_env, m) => {
        received.push(m);
        return respond(m);
      },
      { env: getEnv ?? (async () => env), logger },
    ),
  );
  return listen(getTestServer(name), received, entries);
}

async function listen(server: Server, received: IncomingMessage[], logs: Served['logs']): Promise<Served> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    logs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const message = (data: string, extra: Record<string, unknown> = {}) => ({
  data,
  attributes: { runId: 'r1', taskId: 's0-map-00001' },
  messageId: '42',
  publishTime: '2026-11-20T10:00:00.000Z',
  ...extra,
});

function binaryEvent(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-id': '42',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/p1/topics/cloudreduce-map',
      'ce-time': '2026-11-20T10:00:00.000Z',
    },
    body: JSON.stringify(body),
  });
}

function rawPush(url: string, body: unknown, topic = 'cloudreduce-map'): Promise<Response> {
  return fetch(`${url}/projects/p1/topics/${topic}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

void describe('function wrapper: decoding what functions-framework delivers', () => {
  let served: Served;
  before(async () => {
    served = await serve(async () => 'ack');
  });
  after(() => served.close());

  void test('an Eventarc binary-mode CloudEvent is acked with 204 and its JSON payload decoded', async () => {
    const res = await binaryEvent(served.url, {
      subscription: 'projects/p1/subscriptions/s',
      message: message(b64({ runId: 'r1', taskId: 's0-map-00001' })),
    });
    assert.equal(res.status, 204);
    assert.deepEqual(served.received.at(-1), {
      id: '42',
      data: { runId: 'r1', taskId: 's0-map-00001' },
      attributes: { runId: 'r1', taskId: 's0-map-00001' },
      publishTime: '2026-11-20T10:00:00.000Z',
    });
  });

  void test('a structured-mode CloudEvent with snake_case duplicates decodes the same', async () => {
    const res = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'ce-7',
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: '//pubsub.googleapis.com/projects/p1/topics/cloudreduce-jobs',
        data: {
          '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
          message: { data: b64({ job: 'wordcount' }), message_id: '7', publish_time: '2026-11-20T11:00:00Z' },
        },
      }),
    });
    assert.equal(res.status, 204);
    assert.deepEqual(served.received.at(-1), {
      id: '7',
      data: { job: 'wordcount' },
      attributes: {},
      publishTime: '2026-11-20T11:00:00Z',
    });
  });

  void test('a raw Pub/Sub push body (emulator, own push subscription) is converted and acked', async () => {
    const res = await rawPush(served.url, {
      subscription: 'projects/p1/subscriptions/push-map',
      message: message(b64({ runId: 'r2', taskId: 's0-map-00002' }), { messageId: '43' }),
    });
    assert.equal(res.status, 204);
    const got = served.received.at(-1)!;
    assert.equal(got.id, '43');
    assert.deepEqual(got.data, { runId: 'r2', taskId: 's0-map-00002' });
  });

  void test('a push body with empty data (the framework leaves it unconverted) still reaches the handler', async () => {
    const res = await rawPush(served.url, {
      subscription: 'projects/p1/subscriptions/push-jobs',
      message: { data: '', messageId: '44', attributes: { a: 'b' } },
      deliveryAttempt: 3,
    });
    assert.equal(res.status, 204);
    assert.deepEqual(served.received.at(-1), {
      id: '44',
      data: '',
      attributes: { a: 'b' },
      deliveryAttempt: 3,
    });
  });

  void test('a payload that is not JSON is passed on as text, for the handler to reject', async () => {
    const res = await binaryEvent(served.url, { message: message(b64('not json {')) });
    assert.equal(res.status, 204);
    assert.equal(served.received.at(-1)!.data, 'not json {');
  });

  void test('an event that carries no Pub/Sub message is logged and acked, never retried', async () => {
    const before = served.received.length;
    const res = await binaryEvent(served.url, { hello: 'world' });
    assert.equal(res.status, 204);
    assert.equal(served.received.length, before, 'the handler is not called');
    const logged = served.logs.find((e) => e.message.includes('not a Pub/Sub message'));
    assert.ok(logged, JSON.stringify(served.logs));
    assert.equal(logged.severity, 'ERROR');
    assert.match(logged.message, /expected data\.message = \{data, attributes, messageId\}/);
  });

  void test('message data that is not base64 is logged and acked', async () => {
    const res = await binaryEvent(served.url, { message: message('%%% not base64 %%%') });
    assert.equal(res.status, 204);
    assert.ok(served.logs.some((e) => /message\.data is the string .* not base64 text/.test(e.message)));
  });
});

void describe('function wrapper: outcomes', () => {
  const body = { subscription: 's', message: message(b64({ runId: 'r9', taskId: 't9' })) };

  void test('a permanent failure already recorded on the run (ack-failed) is acked', async () => {
    const served = await serve(async () => 'ack-failed');
    try {
      assert.equal((await rawPush(served.url, body)).status, 204);
    } finally {
      await served.close();
    }
  });

  void test('a transient error answers 500 so Pub/Sub redelivers, and is logged with run and task labels', async () => {
    const served = await serve(async () => {
      throw new TransientError('lease lost');
    });
    try {
      const res = await rawPush(served.url, body);
      assert.equal(res.status, 500);
      assert.equal(res.headers.get('x-google-status'), 'error');
      const warned = served.logs.find((e) => e.severity === 'WARNING');
      assert.match(warned!.message, /failed on message 42; it will be redelivered: lease lost/);
      assert.equal(warned!.fields.runId, 'r9');
      assert.equal(warned!.fields.taskId, 't9');
    } finally {
      await served.close();
    }
  });

  void test('a function that cannot build its environment answers 500 (redelivered after a fix)', async () => {
    const served = await serve(
      async () => 'ack',
      async () => {
        throw new ConfigError('missing required variable(s): CLOUDREDUCE_WORK_BUCKET');
      },
    );
    try {
      const res = await rawPush(served.url, body);
      assert.equal(res.status, 500);
      assert.equal(served.received.length, 0);
      assert.ok(served.logs.some((e) => /cannot start.*CLOUDREDUCE_WORK_BUCKET/.test(e.message)));
    } finally {
      await served.close();
    }
  });
});

void describe('wrap(topic) through the core dispatch', () => {
  let dir: string;
  let runtime: LocalRuntime;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapper-dispatch-'));
    runtime = new LocalRuntime({ dataDir: dir, jobs: await loadJobs(), workers: 0 });
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  void test('malformed job messages are acked and recorded as REJECTED runs with the reason', async () => {
    const name = `split-test-${randomUUID().slice(0, 8)}`;
    ff.cloudEvent(name, wrap('jobs', { env: async () => runtime.env }));
    const server = await listen(getTestServer(name), [], []);
    try {
      const cases = [
        { id: '101', data: b64('{not json'), reason: /Job message is not JSON/ },
        { id: '102', data: b64({ job: 'no-such-job' }), reason: /Unknown job "no-such-job"/ },
        {
          id: '103',
          data: b64({ job: 'wordcount', shards: -1 }),
          reason: /"shards" must be a positive integer/,
        },
        {
          // A valid runId is kept, so whoever waits for that run finds the reason.
          id: '104',
          data: b64({ job: 'wordcount', shards: 0, runId: 'asked-104' }),
          runId: 'asked-104',
          reason: /"shards" must be a positive integer/,
        },
      ];
      for (const c of cases) {
        const res = await rawPush(server.url, {
          subscription: 's',
          message: { data: c.data, messageId: c.id },
        });
        assert.equal(res.status, 204, `message ${c.id}`);
      }
      const runs = await runtime.adapters.state.listRuns();
      for (const c of cases) {
        const run = runs.find((r) => ('runId' in c ? r.runId === c.runId : r.runId.endsWith(`-m${c.id}`)));
        assert.ok(run, `a rejected run for message ${c.id}: ${runs.map((r) => r.runId).join(', ')}`);
        assert.equal(run.status, 'REJECTED');
        assert.match(run.error!.message, c.reason);
      }
    } finally {
      await server.close();
    }
  });
});
