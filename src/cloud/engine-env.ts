// The EngineEnv of a deployed function: the same core, wired to the GCP adapters from a
// CloudConfig. One per process: clients hold connection pools and a function instance serves
// many messages, so building it per message would reconnect every time.

import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createDatastore } from '../adapters/gcp/datastore-client.ts';
import { BigQueryWarehouse } from '../adapters/gcp/bigquery-warehouse.ts';
import { DatastoreEntityStore } from '../adapters/gcp/datastore-entity-store.ts';
import { DatastoreStateStore } from '../adapters/gcp/datastore-state-store.ts';
import { GcsBlobStore } from '../adapters/gcp/gcs-blob-store.ts';
import { createStorage } from '../adapters/gcp/gcs-client.ts';
import { GcsInputFiles } from '../adapters/gcp/gcs-input-files.ts';
import { PubSubMessageBus } from '../adapters/gcp/pubsub-message-bus.ts';
import type { EngineEnv } from '../core/env.ts';
import type { Logger } from '../core/logger.ts';
import { functionTaskLimitMillis } from '../core/slice-clock.ts';
import type { JobRegistry } from '../core/registry.ts';
import { loadJobs, userJobModules } from '../runtime/job-modules.ts';
import { parseCloudConfig, type CloudConfig } from './config.ts';
import { createJsonLogger } from './json-logger.ts';

export interface CloudEnvOptions {
  /** Where relative job module paths resolve: the function's source directory. */
  cwd?: string;
  logger?: Logger;
  workerId?: string;
  now?: () => number;
}

export interface CloudEnv {
  env: EngineEnv;
  config: CloudConfig;
  close(): Promise<void>;
}

export async function createCloudEnv(config: CloudConfig, options: CloudEnvOptions = {}): Promise<CloudEnv> {
  const jobs = await loadDeployedJobs(config.jobModules, options.cwd ?? process.cwd());
  const storage = createStorage({
    projectId: config.projectId,
    ...(config.gcs.apiEndpoint ? { apiEndpoint: config.gcs.apiEndpoint } : {}),
  });
  const datastore = createDatastore({
    projectId: config.projectId,
    ...(config.datastore.apiEndpoint ? { apiEndpoint: config.datastore.apiEndpoint } : {}),
    ...(config.datastore.databaseId ? { databaseId: config.datastore.databaseId } : {}),
  });
  const bus = new PubSubMessageBus({
    projectId: config.projectId,
    topics: config.topics,
    ...(config.pubsub.apiEndpoint ? { apiEndpoint: config.pubsub.apiEndpoint } : {}),
  });
  const state = new DatastoreStateStore({
    projectId: config.projectId,
    datastore,
    ...(config.datastore.namespace ? { namespace: config.datastore.namespace } : {}),
  });
  const blobs = new GcsBlobStore({ bucket: config.workBucket, prefix: config.workPrefix, storage });
  const warehouse = new BigQueryWarehouse({
    projectId: config.projectId,
    dataset: config.bigquery.dataset,
    location: config.bigquery.location,
    bucket: config.workBucket,
    sourcePrefix: config.workPrefix,
    blobs,
    ...(config.bigquery.apiEndpoint ? { apiEndpoint: config.bigquery.apiEndpoint } : {}),
  });
  mkdirSync(config.scratchDir, { recursive: true });
  const env: EngineEnv = {
    blobs,
    bus,
    state,
    entities: new DatastoreEntityStore({ projectId: config.projectId, datastore }),
    warehouse,
    files: new GcsInputFiles({ storage }),
    jobs,
    logger: options.logger ?? createJsonLogger(config.logLevel),
    scratchDir: config.scratchDir,
    workerId: options.workerId ?? workerIdentity(),
    leaseMillis: config.leaseSeconds * 1000,
    // A task past this commits a slice and continues in a new message (the 540 s limit).
    taskBudgetMillis: config.taskBudgetSeconds * 1000,
    taskLimitMillis: functionTaskLimitMillis(config.taskBudgetSeconds * 1000),
    now: options.now ?? Date.now,
  };
  return {
    env,
    config,
    async close() {
      await bus.close();
      await state.close();
      await warehouse.close();
    },
  };
}

/**
 * The jobs a deployed function knows: the built-ins, the modules `cloudreduce package` listed in
 * the archive's package.json (cloudreduce.jobs; `cwd` is the archive's root) and CLOUDREDUCE_JOBS
 * (`jobModules`, already parsed from the environment).
 */
export function loadDeployedJobs(jobModules: readonly string[], cwd: string): Promise<JobRegistry> {
  return loadJobs(userJobModules(jobModules, {}, cwd));
}

/** Lease owner id: the Cloud Run revision (K_REVISION) and instance, or this host and process. */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const where = env.K_REVISION ?? hostname();
  return `${where}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

let cached: Promise<CloudEnv> | undefined;

/**
 * The process's CloudEnv, built from `process.env` on first use. A failed build is not cached, so
 * a transient failure (a job module that could not be fetched) is retried by the next message.
 */
export function processCloudEnv(): Promise<CloudEnv> {
  cached ??= Promise.resolve()
    .then(() => createCloudEnv(parseCloudConfig(process.env)))
    .catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
  return cached;
}
