// The emulated cloud on one machine: the official Pub/Sub and Datastore emulators, the GCS and
// BigQuery protocol fakes as HTTP servers, every function of CLOUD_FUNCTIONS as a real
// functions-framework process, one push subscription per Pub/Sub-triggered function, the incoming
// bucket's object notifications (ingest/ prefix, JSON_API_V1, as terraform configures them)
// published to the incoming topic, and a timer standing in for Cloud Scheduler's sweeper tick.
// `cloudreduce dev`, the end-to-end tests and the cloud benchmark all start this.
//
// The GCS and BigQuery fakes live under test/fakes (they are test doubles first); the dev cloud
// reuses them rather than keeping a second copy.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import type { Severity } from '../core/logger.ts';
import type { JobMessage } from '../core/messages.ts';
import { startBigQueryFake, type BigQueryFake } from './fakes/bigquery-fake.ts';
import { startGcsFake, type GcsFake } from './fakes/gcs-fake.ts';
import { cloudConfigEnv, parseCloudConfig, type CloudConfig } from './config.ts';
import { freePort, startEmulators, type Emulators } from './emulators.ts';
import { FunctionProcess } from './function-process.ts';
import {
  CLOUD_FUNCTIONS,
  PUSH_FUNCTIONS,
  triggerTopic,
  type FunctionName,
  type TopicTrigger,
} from './functions.ts';
import { INGEST_PREFIX } from '../ingest/object.ts';
import { createPushSubscription, deleteAll, ensureTopics } from './push-subscriptions.ts';

export interface DevCloudOptions {
  /** Project id on the emulators (any valid id works). */
  projectId?: string;
  /** Reuse running emulators (the test runner's) instead of starting a pair. */
  emulators?: { pubsubHost: string; datastoreHost: string };
  /** Prefix of topics, subscriptions, bucket and dataset; unique per test file. */
  prefix?: string;
  /** Datastore namespace of the run state ('' = default). */
  namespace?: string;
  /** User job modules the functions load (CLOUDREDUCE_JOBS). */
  jobModules?: string[];
  leaseSeconds?: number;
  taskBudgetSeconds?: number;
  /** How often the stand-in for Cloud Scheduler ticks the sweeper; 0 = never. */
  sweepEveryMillis?: number;
  /** Push ack deadline, which is also the push request's timeout. */
  ackDeadlineSeconds?: number;
  /** Deliveries before a message goes to the dead-letter topic (5-100, as terraform's default 10). */
  maxDeliveryAttempts?: number;
  logLevel?: Severity;
  /** Working directory of the functions (relative job module paths resolve here). */
  cwd?: string;
  onLog?: (fn: FunctionName, line: string, stream: 'stdout' | 'stderr') => void;
}

export interface DevCloud {
  config: CloudConfig;
  /** The functions' environment; also what a client needs to reach this cloud. */
  env: Record<string, string>;
  gcs: GcsFake;
  bigquery: BigQueryFake;
  functions: Record<FunctionName, FunctionProcess>;
  pubsub: PubSub;
  /** Publishes a job message to the jobs topic; resolves to its message id. */
  publishJob(message: JobMessage | string): Promise<string>;
  /** Adds a second push subscription for a trigger: every message is then delivered twice. */
  duplicateDeliveries(trigger: TopicTrigger): Promise<string>;
  /** The HTTP ingest function's URL (POST ?kind=KIND, docs/ingest.md). */
  ingestUrl: string;
  removeSubscription(name: string): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_PREFIX = 'cloudreduce';

export async function startDevCloud(options: DevCloudOptions = {}): Promise<DevCloud> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // keep stopping the rest
      }
    }
  };
  try {
    return await start(options, cleanups, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

async function start(
  options: DevCloudOptions,
  cleanups: (() => Promise<void> | void)[],
  stop: () => Promise<void>,
): Promise<DevCloud> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const projectId = options.projectId ?? 'cloudreduce-dev';
  let emulators: Pick<Emulators, 'pubsubHost' | 'datastoreHost'> | undefined = options.emulators;
  if (!emulators) {
    const started = await startEmulators({ projectId });
    cleanups.push(() => started.stop());
    emulators = started;
  }
  const gcs = await startGcsFake();
  cleanups.push(() => gcs.close());
  const bigquery = await startBigQueryFake({ gcs });
  cleanups.push(() => bigquery.close());
  const scratch = mkdtempSync(join(tmpdir(), `${prefix}-scratch-`));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));

  const config = parseCloudConfig({
    CLOUDREDUCE_PROJECT_ID: projectId,
    CLOUDREDUCE_WORK_BUCKET: `${prefix}-work`,
    CLOUDREDUCE_INCOMING_BUCKET: `${prefix}-incoming`,
    CLOUDREDUCE_TOPIC_JOBS: `${prefix}-jobs`,
    CLOUDREDUCE_TOPIC_MAP: `${prefix}-map`,
    CLOUDREDUCE_TOPIC_REDUCE: `${prefix}-reduce`,
    CLOUDREDUCE_TOPIC_FINALIZE: `${prefix}-finalize`,
    CLOUDREDUCE_TOPIC_DEAD_LETTER: `${prefix}-dead-letter`,
    CLOUDREDUCE_TOPIC_SWEEP: `${prefix}-sweep`,
    CLOUDREDUCE_BIGQUERY_DATASET: prefix.replace(/[^A-Za-z0-9_]/g, '_'),
    CLOUDREDUCE_DATASTORE_NAMESPACE: options.namespace ?? '',
    CLOUDREDUCE_JOBS: (options.jobModules ?? []).join(','),
    CLOUDREDUCE_LOG: (options.logLevel ?? 'INFO').toLowerCase(),
    CLOUDREDUCE_SCRATCH_DIR: scratch,
    ...(options.leaseSeconds ? { CLOUDREDUCE_LEASE_SECONDS: String(options.leaseSeconds) } : {}),
    ...(options.taskBudgetSeconds
      ? { CLOUDREDUCE_TASK_BUDGET_SECONDS: String(options.taskBudgetSeconds) }
      : {}),
    PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
    DATASTORE_EMULATOR_HOST: emulators.datastoreHost,
    CLOUDREDUCE_GCS_ENDPOINT: gcs.endpoint,
    CLOUDREDUCE_BIGQUERY_ENDPOINT: bigquery.endpoint,
  });
  const env = cloudConfigEnv(config);

  gcs.createBucket(config.workBucket);
  gcs.createBucket(config.incomingBucket!);
  await new BigQuery({ projectId, apiEndpoint: bigquery.endpoint }).createDataset(config.bigquery.dataset, {
    location: config.bigquery.location,
  });

  const pubsub = new PubSub({ projectId, apiEndpoint: emulators.pubsubHost });
  const subscriptions: string[] = [];
  const topics = PUSH_FUNCTIONS.map((f) => triggerTopic(config, f.trigger));
  cleanups.push(async () => {
    await deleteAll(pubsub, subscriptions, topics);
    await pubsub.close();
  });
  await ensureTopics(pubsub, topics);

  const functions = {} as Record<FunctionName, FunctionProcess>;
  cleanups.push(() => Promise.all(Object.values(functions).map((f) => f.stop())).then(() => undefined));
  await Promise.all(
    CLOUD_FUNCTIONS.map(async ({ name, signature }) => {
      functions[name] = new FunctionProcess({
        name,
        signature,
        port: await freePort(),
        // Off Google Cloud there is no metadata server; asking for one only logs warnings.
        env: { ...env, METADATA_SERVER_DETECTION: 'none' },
        cwd: options.cwd ?? process.cwd(),
        ...(options.onLog ? { onLine: (line, stream) => options.onLog!(name, line, stream) } : {}),
      });
      await functions[name].start();
    }),
  );

  const ackDeadlineSeconds = options.ackDeadlineSeconds ?? 60;
  const subscribe = async (trigger: TopicTrigger, suffix: string): Promise<string> => {
    const fn = PUSH_FUNCTIONS.find((f) => f.trigger === trigger)!;
    const topic = triggerTopic(config, trigger);
    const subscription = `${topic}-${suffix}`;
    // As terraform's triggers.tf: each subscription dead-letters to the deadLetter function's topic,
    // except that function's own.
    const deadLetter =
      trigger === 'dead_letter'
        ? undefined
        : { topic: config.deadLetterTopic, maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10 };
    await createPushSubscription(pubsub, projectId, {
      topic,
      subscription,
      functionUrl: functions[fn.name].url,
      ackDeadlineSeconds,
      ...(deadLetter ? { deadLetter } : {}),
    });
    subscriptions.push(subscription);
    return subscription;
  };
  for (const { trigger } of PUSH_FUNCTIONS) await subscribe(trigger, 'push');

  // What Cloud Storage does for terraform's google_storage_notification: a JSON_API_V1 message
  // per finalized object under ingest/, with the attributes the real service sets.
  const incomingTopic = pubsub.topic(config.incomingTopic);
  gcs.addNotification({
    bucket: config.incomingBucket!,
    objectNamePrefix: INGEST_PREFIX,
    deliver(eventType, object) {
      if (eventType !== 'OBJECT_FINALIZE') return;
      incomingTopic
        .publishMessage({
          json: gcs.resourceOf(object),
          attributes: {
            notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/1`,
            eventType,
            payloadFormat: 'JSON_API_V1',
            bucketId: object.bucket,
            objectId: object.name,
            objectGeneration: String(object.generation),
            eventTime: object.created,
          },
        })
        .catch((err: unknown) =>
          options.onLog?.('ingestObject', `notification lost: ${String(err)}`, 'stderr'),
        );
    },
  });

  const sweepEvery = options.sweepEveryMillis ?? 60_000;
  if (sweepEvery > 0) {
    const sweepTopic = pubsub.topic(config.sweepTopic);
    const timer = setInterval(() => {
      // A lost tick is harmless: the next one sweeps the same runs.
      sweepTopic.publishMessage({ json: { tick: new Date().toISOString() } }).catch(() => undefined);
    }, sweepEvery);
    cleanups.push(() => clearInterval(timer));
  }

  return {
    config,
    env,
    gcs,
    bigquery,
    functions,
    pubsub,
    publishJob: (message) =>
      pubsub.topic(config.topics.jobs).publishMessage({
        data: Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)),
      }),
    duplicateDeliveries: (trigger) => subscribe(trigger, `dup-${subscriptions.length}`),
    ingestUrl: functions.ingest.url,
    async removeSubscription(name) {
      await deleteAll(pubsub, [name], []);
      const index = subscriptions.indexOf(name);
      if (index >= 0) subscriptions.splice(index, 1);
    },
    stop,
  };
}
