// Where `cloudreduce logs --dev` and `--project` read from: the dev cloud's recorded function
// logs, and Cloud Logging's entries:list (driven here through a recording stand-in for the
// authorised request, speaking the REST method's request and response shapes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ENTRIES_LIST_URL,
  listRunEntries,
  runLogFilter,
  type LoggingRequest,
} from '../../src/cloud/cloud-logs.ts';
import { functionLogWriter, readFunctionLogs } from '../../src/cloud/function-logs.ts';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logs-sources-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('the dev cloud records its functions’ JSON entries, and a run’s (or task’s) are read back', async () => {
  const write = functionLogWriter(dir);
  const log = (fn: string) => createJsonLogger('DEBUG', (line) => write(fn, line));
  log('split').info('run r1 of job wordcount started', { runId: 'r1', job: 'wordcount' });
  log('map').warn('attempt 1 of 3 failed; retrying: boom', { runId: 'r1', taskId: 's0-map-00001' });
  log('map').info('other run', { runId: 'r2', taskId: 's0-map-00000' });
  write('map', 'Serving function...'); // framework text is not an entry
  const all = readFunctionLogs(dir, 'r1')!;
  assert.deepEqual(
    all.map((e) => [e.function, e.severity, e.message, e.taskId]),
    [
      ['split', 'INFO', 'run r1 of job wordcount started', undefined],
      ['map', 'WARNING', 'attempt 1 of 3 failed; retrying: boom', 's0-map-00001'],
    ],
  );
  assert.deepEqual(
    readFunctionLogs(dir, 'r1', 's0-map-00001')!.map((e) => e.message),
    ['attempt 1 of 3 failed; retrying: boom'],
  );
  const recorded = await readFile(join(dir, 'function-logs', 'map.ndjson'), 'utf8');
  assert.equal(recorded.trim().split('\n').length, 2);
  assert.equal(readFunctionLogs(join(dir, 'nothing-here'), 'r1'), undefined);
});

test('entries of several functions recorded in the same millisecond read back in the order they arrived', () => {
  const sub = join(dir, 'same-millisecond');
  const write = functionLogWriter(sub);
  const sent: string[] = [];
  for (let i = 0; i < 200; i++) {
    const fn = ['split', 'map', 'reduce'][i % 3]!;
    sent.push(`${fn} ${i}`);
    write(
      fn,
      JSON.stringify({
        severity: 'INFO',
        message: `${fn} ${i}`,
        'logging.googleapis.com/labels': { runId: 'r9' },
      }),
    );
  }
  assert.deepEqual(
    readFunctionLogs(sub, 'r9')!.map((e) => e.message),
    sent,
  );
});

test('the Cloud Logging filter selects the run’s (and task’s) labels from the run’s start', () => {
  assert.equal(runLogFilter({ runId: 'r1' }), 'labels.runId="r1"');
  assert.equal(
    runLogFilter({ runId: 'r1', taskId: 's0-map-00001', since: '2026-12-02T10:00:00.000Z' }),
    'labels.runId="r1" AND labels.taskId="s0-map-00001" AND timestamp>="2026-12-02T10:00:00.000Z"',
  );
});

test('entries:list is paged newest first and shown oldest first, within the limit', async () => {
  const requests: { url: string; data: Record<string, unknown> }[] = [];
  const pages = [
    {
      entries: [
        {
          timestamp: '2026-12-02T10:00:03Z',
          severity: 'ERROR',
          jsonPayload: {
            message: 'run r1 of job wordcount FAILED: boom',
            stack_trace: 'Error: boom\n  at x',
          },
          labels: { runId: 'r1', function: 'map', taskId: 's0-map-00001' },
        },
        {
          timestamp: '2026-12-02T10:00:02Z',
          severity: 'WARNING',
          jsonPayload: { message: 'attempt 1 of 3 failed' },
          labels: { runId: 'r1' },
          resource: { labels: { service_name: 'cloudreduce-map' } },
        },
      ],
      nextPageToken: 'next',
    },
    {
      entries: [{ timestamp: '2026-12-02T10:00:01Z', severity: 'INFO', textPayload: 'started', labels: {} }],
    },
  ];
  const request: LoggingRequest = async (options) => {
    requests.push({ url: options.url, data: options.data as Record<string, unknown> });
    return { data: pages[requests.length - 1] };
  };
  const entries = await listRunEntries(request, { project: 'p1', runId: 'r1', limit: 10 });
  assert.deepEqual(
    entries.map((e) => [e.time, e.severity, e.function, e.message, e.taskId]),
    [
      ['2026-12-02T10:00:01Z', 'INFO', undefined, 'started', undefined],
      ['2026-12-02T10:00:02Z', 'WARNING', 'cloudreduce-map', 'attempt 1 of 3 failed', undefined],
      ['2026-12-02T10:00:03Z', 'ERROR', 'map', 'run r1 of job wordcount FAILED: boom', 's0-map-00001'],
    ],
  );
  assert.equal(entries[2]!.stack, 'Error: boom\n  at x');
  assert.equal(requests[0]!.url, ENTRIES_LIST_URL);
  assert.deepEqual(requests[0]!.data, {
    resourceNames: ['projects/p1'],
    filter: 'labels.runId="r1"',
    orderBy: 'timestamp desc',
    pageSize: 10,
  });
  assert.equal(requests[1]!.data.pageToken, 'next');
  assert.equal(requests[1]!.data.pageSize, 8);
});

test('a caller without logging.viewer is told which role to get', async () => {
  const request: LoggingRequest = async () => {
    throw Object.assign(new Error('The caller does not have permission'), { response: { status: 403 } });
  };
  await assert.rejects(listRunEntries(request, { project: 'p1', runId: 'r1', limit: 10 }), {
    name: 'ConfigError',
    message:
      'Not allowed to read the logs of project p1: The caller does not have permission. Log in with ' +
      '`gcloud auth application-default login` as someone with roles/logging.viewer.',
  });
});
