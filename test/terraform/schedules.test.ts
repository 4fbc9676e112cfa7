// Every job message Cloud Scheduler will publish, as terraform builds it, is one the split function
// accepts: it passes the job-message schema, names a registered job, and its params validate
// against that job's declared params. A typo fails here instead of becoming a REJECTED run at the
// first scheduled slot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobMessage } from '../../src/core/messages.ts';
import { resolveParams } from '../../src/core/params.ts';
import type { JobRegistry } from '../../src/core/registry.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';
import { EXAMPLE_MAIN, TWEET_MAIN, evaluate, moduleArguments, writeTfvars } from './helpers.ts';

let dir: string;
let jobs: JobRegistry;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-tf-schedules-'));
  jobs = await loadJobs();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fails with the schedule's name and the engine's own message when split would reject it. */
function assertAccepted(name: string, data: unknown): void {
  const context = `schedule "${name}" publishes ${JSON.stringify(data)}`;
  const message = (() => {
    try {
      return parseJobMessage(JSON.stringify(data));
    } catch (err) {
      throw new Error(`${context}, which is not a valid job message: ${(err as Error).message}`);
    }
  })();
  try {
    const job = jobs.get(message.job);
    resolveParams(job.name, job.params, message.params ?? {}, new Date('2026-01-01T00:00:00Z'));
  } catch (err) {
    throw new Error(`${context}, which split would reject: ${(err as Error).message}`);
  }
}

async function scheduledMessages(tfvars: string): Promise<Record<string, unknown>> {
  return (await evaluate('local.scheduled_messages', { tfvars })) as Record<string, unknown>;
}

/** The schedules an example root configuration passes to the module, as terraform builds them. */
async function exampleMessages(mainTf: string): Promise<Record<string, unknown>> {
  const args = await moduleArguments(mainTf);
  return (await evaluate('local.scheduled_messages', { args })) as Record<string, unknown>;
}

describe('scheduled job messages', () => {
  test('the example schedules a registered job every 5 hours, with a message split accepts', async () => {
    const messages = await exampleMessages(EXAMPLE_MAIN);
    assert.ok(Object.keys(messages).length > 0, 'examples/wordcount must schedule at least one job');
    for (const [name, data] of Object.entries(messages)) assertAccepted(name, data);
    const text = await readFile(EXAMPLE_MAIN, 'utf8');
    assert.match(text, /schedule\s*=\s*"0 \*\/5 \* \* \*"/, 'the example must run every 5 hours');
    assert.deepEqual(messages['wordcount-books'], {
      job: 'wordcount',
      inputs: ['gs://my-project-id-cloudreduce-incoming/books/*.txt'],
      partitions: 8,
      params: {},
      origin: 'schedule:wordcount-books',
    });
  });

  test('the tweet-analytics example runs tweet-analytics every 5 hours over 4 days and the summary nightly for yesterday', async () => {
    const messages = await exampleMessages(TWEET_MAIN);
    for (const [name, data] of Object.entries(messages)) assertAccepted(name, data);
    assert.deepEqual(messages['tweet-analytics'], {
      job: 'tweet-analytics',
      params: { days: '4' },
      origin: 'schedule:tweet-analytics',
    });
    assert.deepEqual(messages['exercise-summary'], {
      job: 'exercise-summary',
      params: { date: 'yesterday' },
      inputs: ['gs://my-project-id-cloudreduce-incoming/problem-logs/*.ndjson'],
      origin: 'schedule:exercise-summary',
    });
    const args = await moduleArguments(TWEET_MAIN);
    const schedules = (await evaluate('var.schedules', { args })) as Record<string, { schedule: string }>;
    assert.equal(schedules['tweet-analytics']!.schedule, '0 */5 * * *');
    assert.equal(schedules['exercise-summary']!.schedule, '30 1 * * *');
    const invokers = await evaluate('var.ingest_invokers', { args });
    assert.deepEqual(invokers, ['serviceAccount:tweet-loader@my-project-id.iam.gserviceaccount.com']);
  });

  test('the defaults schedule no job, and the sweeper tick is a non-empty message', async () => {
    const tfvars = await writeTfvars(dir, 'defaults.tfvars', 'project_id = "test-project-1"\n');
    assert.deepEqual(await scheduledMessages(tfvars), {});
    const tick = await evaluate('local.sweep_message', { tfvars });
    assert.ok(JSON.stringify(tick).length > 2, 'Cloud Scheduler needs non-empty data for a Pub/Sub target');
  });

  test('params, shards and attempts are carried; absent options are left out', async () => {
    const tfvars = await writeTfvars(
      dir,
      'params.tfvars',
      [
        'project_id = "test-project-1"',
        'schedules = {',
        '  nightly = { schedule = "0 3 * * *", time_zone = "Europe/Paris", job = "combiner-sums",',
        '              shards = 4, max_attempts = 5 }',
        '  plain   = { schedule = "*/30 * * * *", job = "dedupe" }',
        '}',
      ].join('\n'),
    );
    const messages = await scheduledMessages(tfvars);
    assert.deepEqual(messages.nightly, {
      job: 'combiner-sums',
      params: {},
      shards: 4,
      maxAttempts: 5,
      origin: 'schedule:nightly',
    });
    assert.deepEqual(messages.plain, { job: 'dedupe', params: {}, origin: 'schedule:plain' });
    for (const [name, data] of Object.entries(messages)) assertAccepted(name, data);
  });

  test('a schedule naming an unknown job or param is caught here', async () => {
    const tfvars = await writeTfvars(
      dir,
      'bad.tfvars',
      [
        'project_id = "test-project-1"',
        'schedules = {',
        '  typo  = { schedule = "0 * * * *", job = "wordcont" }',
        '  param = { schedule = "0 * * * *", job = "wordcount", params = { dayz = "4" } }',
        '}',
      ].join('\n'),
    );
    const messages = await scheduledMessages(tfvars);
    assert.throws(() => assertAccepted('typo', messages.typo), /schedule "typo".*Unknown job "wordcont"/s);
    assert.throws(() => assertAccepted('param', messages.param), /schedule "param".*unknown param "dayz"/s);
  });
});
