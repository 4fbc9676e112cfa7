import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';

function capture(level: Parameters<typeof createJsonLogger>[0] = 'DEBUG') {
  const lines: string[] = [];
  const logger = createJsonLogger(level, (line) => lines.push(line));
  return { logger, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), lines };
}

test('each entry is one JSON line with severity, message and run/task labels for Cloud Logging', () => {
  const { logger, lines, entries } = capture();
  logger
    .child({ function: 'map', runId: 'wc-1', taskId: 's0-map-00003' })
    .info('task done', { records: 120, stage: 0 });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('\n'));
  assert.deepEqual(entries()[0], {
    severity: 'INFO',
    message: 'task done',
    records: 120,
    'logging.googleapis.com/labels': { function: 'map', runId: 'wc-1', taskId: 's0-map-00003', stage: '0' },
  });
});

test('an error entry carries the stack as stack_trace for Error Reporting', () => {
  const { logger, entries } = capture();
  const err = new Error('boom');
  logger.error('task failed', { error: { name: 'Error', message: 'boom', stack: err.stack } });
  const entry = entries()[0]!;
  assert.equal(entry.severity, 'ERROR');
  assert.match(String(entry.stack_trace), /^Error: boom\n\s+at /);
});

test('entries below the level are dropped, and WARNING is the Cloud Logging spelling', () => {
  const { logger, entries } = capture('WARNING');
  logger.debug('no');
  logger.info('no');
  logger.warn('yes');
  assert.deepEqual(
    entries().map((e) => e.severity),
    ['WARNING'],
  );
});

test('fields that JSON cannot hold never make logging throw', () => {
  const { logger, entries } = capture();
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  logger.info('big', { n: 10n });
  logger.info('loop', { circular });
  const [big, loop] = entries();
  assert.equal(big!.n, '10');
  assert.equal(loop!.message, 'loop');
  assert.match(String(loop!.logError), /not serialisable/);
});
