// Each function's service account may publish only to the topics in terraform's local.publishes
// (keyed by function id).
// A missing grant would surface in production as PERMISSION_DENIED mid-run, so this test runs real
// jobs through the engine (the core handlers behind the deployed functions, on local adapters),
// records which function published to which topic, and checks every pair is granted: single- and
// multi-stage jobs, map-only stages, and a zero time budget so every task continues in slices.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOUD_FUNCTIONS, type CloudFunction } from '../../src/cloud/functions.ts';
import { dispatch } from '../../src/core/dispatch.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { JobMessage } from '../../src/core/messages.ts';
import { defineJob, fromStage, input, output } from '../../src/index.ts';
import type { MessageBus, OutgoingMessage, Topic } from '../../src/ports/message-bus.ts';
import { openLocalAdapters, type LocalAdapters } from '../../src/runtime/local-adapters.ts';
import { loadJobs } from '../../src/runtime/job-modules.ts';
import { evaluate } from './helpers.ts';

const squares = defineJob({
  name: 'publish-rights-squares',
  description: 'A map-only job (no shuffle, no reduce phase).',
  input: input.integers(12),
  shards: 3,
  map(i: number, emit: (r: { i: number; square: number }) => void) {
    emit({ i, square: i * i });
  },
  outputs: { squares: output.ndjson() },
});

// Nothing to read: split (stage 0) and finalize (stage 1) go straight to the next finalize.
const nothing = defineJob({
  name: 'publish-rights-nothing',
  description: 'Two stages over empty input.',
  stages: [
    {
      name: 'none',
      input: input.integers(0),
      map(i: number, emit: (r: { i: number }) => void) {
        emit({ i });
      },
    },
    {
      name: 'still-none',
      input: fromStage('none'),
      map(r: { i: number }, emit: (r: { i: number }) => void) {
        emit(r);
      },
      outputs: { rows: output.ndjson() },
    },
  ],
});

const JOBS: JobMessage[] = [
  { job: 'wordcount', inputs: ['books/*.txt'], shards: 2, partitions: 2 },
  { job: 'reverse-index-spread', inputs: ['books/*.txt'], shards: 2, partitions: 2 },
  { job: squares.name },
  { job: nothing.name },
];

/** A bus that queues messages for the test to deliver and remembers who published what. */
class RecordingBus implements MessageBus {
  readonly queue: { topic: Topic; data: unknown }[] = [];
  readonly published = new Set<string>();
  publisher: CloudFunction['id'] | 'submit' = 'submit';
  #ids = 0;

  async publish(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]> {
    this.published.add(`${this.publisher} -> ${topic}`);
    for (const m of messages) this.queue.push({ topic, data: m.data });
    return messages.map(() => String(++this.#ids));
  }
}

/** The id of the function a work topic triggers (terraform's key for it). */
const consumerOf = (topic: Topic): CloudFunction['id'] => {
  const consumer = CLOUD_FUNCTIONS.find((f) => f.trigger === topic);
  assert.ok(consumer, `no function in CLOUD_FUNCTIONS is triggered by topic ${topic}`);
  return consumer.id;
};

let dir: string;
let adapters: LocalAdapters;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-publish-rights-'));
  await mkdir(join(dir, 'books'));
  await writeFile(join(dir, 'books', 'a.txt'), 'the quick brown fox\njumps over the lazy dog\n');
  await writeFile(join(dir, 'books', 'b.txt'), 'the dog sleeps\nthe fox runs\n');
  adapters = openLocalAdapters(join(dir, 'data'), dir);
});
after(async () => {
  await adapters.close();
  await rm(dir, { recursive: true, force: true });
});

test('every topic a function publishes to while running jobs is granted to it in terraform', async () => {
  const jobs = await loadJobs();
  jobs.register(squares);
  jobs.register(nothing);
  const bus = new RecordingBus();
  const env: EngineEnv = {
    blobs: adapters.blobs,
    bus,
    state: adapters.state,
    entities: adapters.entities,
    warehouse: adapters.warehouse,
    files: adapters.files,
    jobs,
    logger: silentLogger,
    scratchDir: adapters.scratchDir,
    workerId: 'publish-rights',
    leaseMillis: 60_000,
    taskBudgetMillis: 0, // every record or key ends a slice: exercises continuations
    now: Date.now,
  };

  const runIds: string[] = [];
  for (const [i, message] of JOBS.entries()) {
    bus.publisher = consumerOf('jobs');
    const outcome = await dispatch(env, 'jobs', { id: `job-${i}`, data: message, attributes: {} });
    assert.equal(outcome, 'ack', `job message ${JSON.stringify(message)} was not accepted`);
    runIds.push(`${message.job}-mjob${i}`);
    for (let delivered = 0; bus.queue.length > 0; delivered++) {
      assert.ok(delivered < 5000, `${message.job} does not finish: the harness is looping`);
      const { topic, data } = bus.queue.shift()!;
      bus.publisher = consumerOf(topic);
      const result = await dispatch(env, topic, { id: `m${delivered}`, data, attributes: {} });
      assert.equal(result, 'ack', `${topic} message ${JSON.stringify(data)} failed`);
    }
  }
  for (const runId of runIds) {
    const run = await adapters.state.getRun(runId);
    assert.equal(run?.status, 'DONE', `run ${runId}: ${JSON.stringify(run?.error ?? run?.status)}`);
  }

  const granted = (await evaluate('local.publishes', { vars: { project_id: 'test-project-1' } })) as Record<
    string,
    string[]
  >;
  assert.deepEqual(
    Object.keys(granted).sort(),
    CLOUD_FUNCTIONS.map((f) => f.id).sort(),
    'local.publishes lists every function by id (an empty list for one that publishes nothing)',
  );
  const observed = [...bus.published].filter((pair) => !pair.startsWith('submit')).sort();
  const missing = observed.filter((pair) => {
    const [fn, topic] = pair.split(' -> ') as [string, string];
    return !granted[fn]?.includes(topic);
  });
  assert.deepEqual(
    missing,
    [],
    `terraform/locals.tf publishes lacks grants; observed: ${observed.join(', ')}`,
  );
  assert.deepEqual(
    granted,
    Object.fromEntries(
      Object.keys(granted).map((fn) => [
        fn,
        granted[fn]!.filter((t) => observed.includes(`${fn} -> ${t}`) || fn === 'sweeper'),
      ]),
    ),
    'every grant is used by some job here (least privilege): drop grants nothing needs',
  );
  for (const fn of ['split', 'map', 'reduce', 'finalize'])
    assert.ok(
      observed.some((p) => p.startsWith(`${fn} ->`)),
      `the harness never saw ${fn} publish`,
    );
  // The sweeper re-publishes whatever is stuck, so it needs every work topic but jobs.
  assert.deepEqual([...granted.sweeper!].sort(), ['finalize', 'map', 'reduce']);
  // Ingest writes entities (and ingest-object its result objects); neither publishes anything, and
  // nothing but Cloud Storage publishes to the incoming topic.
  assert.deepEqual(granted.ingest, []);
  assert.deepEqual(granted['ingest-object'], []);
  assert.deepEqual(granted['dead-letter'], [], 'the dead-letter function only records run failures');
  assert.ok(
    Object.values(granted).every((topics) => !topics.includes('incoming')),
    'no function may publish to the incoming topic',
  );
});
