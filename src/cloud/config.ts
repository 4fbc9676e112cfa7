// Everything a deployed function (or `cloudreduce dev`, or `submit --project`) is configured with,
// read from environment variables in one injectable function. Terraform sets the same names
// (CLOUD_ENV_VARS is the list it is tested against); `cloudConfigEnv` writes a config back out,
// which is how the dev cloud configures its function processes.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../core/defaults.ts';
import { ConfigError } from '../core/errors.ts';
import type { Severity } from '../core/logger.ts';
import type { Topic } from '../ports/message-bus.ts';
import { check } from './names.ts';

export interface CloudConfig {
  projectId: string;
  region: string;
  /** The engine's working bucket: shuffle objects, output parts, results/. */
  workBucket: string;
  /** Object names in the work bucket live under this prefix ('' = bucket root). */
  workPrefix: string;
  /** Where users drop input files (ingest triggers, `submit` uploads); optional. */
  incomingBucket?: string;
  topics: Record<Topic, string>;
  /** Where Pub/Sub moves messages that failed too often (set on the push subscriptions). */
  deadLetterTopic: string;
  /** Cloud Scheduler publishes a tick here; the sweeper function subscribes to it. */
  sweepTopic: string;
  /**
   * The incoming bucket's object notifications (JSON_API_V1) arrive here; the ingestObject
   * function subscribes to it. No function publishes to it: Cloud Storage does.
   */
  incomingTopic: string;
  bigquery: { dataset: string; location: string; apiEndpoint?: string };
  datastore: { namespace?: string; databaseId?: string; apiEndpoint?: string };
  pubsub: { apiEndpoint?: string };
  gcs: { apiEndpoint?: string };
  /** A task slices itself (commits, continues in a new message) after this long. */
  taskBudgetSeconds: number;
  leaseSeconds: number;
  /** The sweeper flags a RUNNING run with no progress for this long. */
  stallSeconds: number;
  /** User job modules (paths relative to the function source, or file: URLs). */
  jobModules: string[];
  logLevel: Severity;
  /** Local disk for spill runs; on Cloud Run functions /tmp is memory, counted against the limit. */
  scratchDir: string;
}

// Every variable, its default and why. Names carry units; this is the one place defaults live.
export const CLOUD_ENV = {
  projectId: { name: 'CLOUDREDUCE_PROJECT_ID', help: 'Google Cloud project id (else GOOGLE_CLOUD_PROJECT)' },
  region: { name: 'CLOUDREDUCE_REGION', default: 'us-central1', help: 'region of the functions' },
  workBucket: { name: 'CLOUDREDUCE_WORK_BUCKET', help: 'bucket for intermediates and results' },
  workPrefix: { name: 'CLOUDREDUCE_WORK_PREFIX', default: '', help: 'object prefix in the work bucket' },
  incomingBucket: { name: 'CLOUDREDUCE_INCOMING_BUCKET', help: 'bucket users drop input files in' },
  topicJobs: { name: 'CLOUDREDUCE_TOPIC_JOBS', default: 'cloudreduce-jobs', help: 'job messages' },
  topicMap: { name: 'CLOUDREDUCE_TOPIC_MAP', default: 'cloudreduce-map', help: 'map task messages' },
  topicReduce: { name: 'CLOUDREDUCE_TOPIC_REDUCE', default: 'cloudreduce-reduce', help: 'reduce tasks' },
  topicFinalize: { name: 'CLOUDREDUCE_TOPIC_FINALIZE', default: 'cloudreduce-finalize', help: 'finalize' },
  topicDeadLetter: {
    name: 'CLOUDREDUCE_TOPIC_DEAD_LETTER',
    default: 'cloudreduce-dead-letter',
    help: 'dead-letter topic of the push subscriptions',
  },
  topicSweep: { name: 'CLOUDREDUCE_TOPIC_SWEEP', default: 'cloudreduce-sweep', help: 'sweeper ticks' },
  topicIncoming: {
    name: 'CLOUDREDUCE_TOPIC_INCOMING',
    default: 'cloudreduce-incoming',
    help: "the incoming bucket's object notifications (ingestObject)",
  },
  bigqueryDataset: {
    name: 'CLOUDREDUCE_BIGQUERY_DATASET',
    default: 'cloudreduce',
    help: 'dataset of tables',
  },
  bigqueryLocation: { name: 'CLOUDREDUCE_BIGQUERY_LOCATION', default: 'US', help: 'location of jobs' },
  datastoreNamespace: { name: 'CLOUDREDUCE_DATASTORE_NAMESPACE', default: '', help: 'namespace of state' },
  datastoreDatabase: {
    name: 'CLOUDREDUCE_DATASTORE_DATABASE',
    default: '(default)',
    help: 'Firestore database in Datastore mode',
  },
  // 540 s is the event-function ceiling; the core's default leaves margin to seal and commit a
  // slice. Keep it below the function's own timeout (terraform's timeout_seconds).
  taskBudgetSeconds: {
    name: 'CLOUDREDUCE_TASK_BUDGET_SECONDS',
    default: String(DEFAULTS.cloudTaskBudgetMillis / 1000),
    help: 'a task commits a slice and continues in a new message after this long',
  },
  leaseSeconds: {
    name: 'CLOUDREDUCE_LEASE_SECONDS',
    default: String(DEFAULTS.leaseMillis / 1000),
    help: 'task lease; a dead worker’s task is retaken after it',
  },
  stallSeconds: {
    name: 'CLOUDREDUCE_STALL_SECONDS',
    default: String(DEFAULTS.stallMillis / 1000),
    help: 'no progress for this long flags a run as stalled',
  },
  jobModules: { name: 'CLOUDREDUCE_JOBS', default: '', help: 'comma-separated user job modules' },
  logLevel: { name: 'CLOUDREDUCE_LOG', default: 'info', help: 'debug, info, warning or error' },
  scratchDir: { name: 'CLOUDREDUCE_SCRATCH_DIR', help: 'spill directory (default: OS temp dir)' },
  pubsubEmulator: { name: 'PUBSUB_EMULATOR_HOST', help: 'host:port of the Pub/Sub emulator (dev)' },
  datastoreEmulator: { name: 'DATASTORE_EMULATOR_HOST', help: 'host:port of the Datastore emulator (dev)' },
  gcsEndpoint: { name: 'CLOUDREDUCE_GCS_ENDPOINT', help: 'URL of a Cloud Storage fake (dev)' },
  bigqueryEndpoint: { name: 'CLOUDREDUCE_BIGQUERY_ENDPOINT', help: 'URL of a BigQuery fake (dev)' },
} as const satisfies Record<string, { name: string; default?: string; help: string }>;

/** Every variable parseCloudConfig reads (plus GOOGLE_CLOUD_PROJECT as the project fallback). */
export const CLOUD_ENV_VARS: readonly string[] = Object.values(CLOUD_ENV).map((v) => v.name);
export const REQUIRED_ENV_VARS: readonly string[] = [CLOUD_ENV.projectId.name, CLOUD_ENV.workBucket.name];

type Key = keyof typeof CLOUD_ENV;

/** The largest budget that still leaves time to commit inside the 540 s event-function limit. */
export const MAX_TASK_BUDGET_SECONDS = 530;
const SEVERITIES: Record<string, Severity> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
};

export function parseCloudConfig(env: NodeJS.ProcessEnv): CloudConfig {
  const problems: string[] = [];
  const missing: string[] = [];
  const raw = (key: Key): string | undefined => {
    const v = env[CLOUD_ENV[key].name]?.trim();
    return v === '' ? undefined : v;
  };
  const get = (key: Key): string => raw(key) ?? (CLOUD_ENV[key] as { default?: string }).default ?? '';
  const named = (key: Key, kind: Parameters<typeof check>[0], value = get(key)): string => {
    const problem = check(kind, value);
    if (problem) problems.push(`${CLOUD_ENV[key].name}=${JSON.stringify(value)}: ${problem}`);
    return value;
  };
  const seconds = (key: Key, min: number, max: number): number => {
    const text = get(key);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      problems.push(
        `${CLOUD_ENV[key].name}=${JSON.stringify(text)}: must be whole seconds from ${min} to ${max}`,
      );
    }
    return n;
  };
  const optional = (key: Key, kind: Parameters<typeof check>[0]): string | undefined => {
    const value = raw(key);
    return value === undefined ? undefined : named(key, kind, value);
  };

  const projectId = raw('projectId') ?? env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!projectId) missing.push(`${CLOUD_ENV.projectId.name} (or GOOGLE_CLOUD_PROJECT)`);
  else named('projectId', 'project', projectId);
  const workBucket = raw('workBucket');
  if (!workBucket) missing.push(CLOUD_ENV.workBucket.name);
  else named('workBucket', 'bucket', workBucket);

  const level = get('logLevel').toLowerCase();
  const logLevel = SEVERITIES[level];
  if (!logLevel) {
    problems.push(
      `${CLOUD_ENV.logLevel.name}=${JSON.stringify(level)}: must be one of: debug, info, warning, error`,
    );
  }
  const database = named('datastoreDatabase', 'database');
  const namespace = named('datastoreNamespace', 'namespace');
  const config: CloudConfig = {
    projectId: projectId ?? '',
    region: named('region', 'region'),
    workBucket: workBucket ?? '',
    workPrefix: named('workPrefix', 'prefix').replace(/^\/+|\/+$/g, ''),
    topics: {
      jobs: named('topicJobs', 'topic'),
      map: named('topicMap', 'topic'),
      reduce: named('topicReduce', 'topic'),
      finalize: named('topicFinalize', 'topic'),
    },
    deadLetterTopic: named('topicDeadLetter', 'topic'),
    sweepTopic: named('topicSweep', 'topic'),
    incomingTopic: named('topicIncoming', 'topic'),
    bigquery: {
      dataset: named('bigqueryDataset', 'dataset'),
      location: named('bigqueryLocation', 'location'),
    },
    datastore: {},
    pubsub: {},
    gcs: {},
    taskBudgetSeconds: seconds('taskBudgetSeconds', 1, MAX_TASK_BUDGET_SECONDS),
    leaseSeconds: seconds('leaseSeconds', 2, 3600),
    stallSeconds: seconds('stallSeconds', 10, 7 * 24 * 3600),
    jobModules: get('jobModules')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: logLevel ?? 'INFO',
    scratchDir: raw('scratchDir') ?? join(tmpdir(), 'cloudreduce-scratch'),
  };
  const incoming = optional('incomingBucket', 'bucket');
  if (incoming) config.incomingBucket = incoming;
  if (namespace) config.datastore.namespace = namespace;
  if (database !== '(default)') config.datastore.databaseId = database;
  const datastoreHost = optional('datastoreEmulator', 'host');
  if (datastoreHost) config.datastore.apiEndpoint = datastoreHost;
  const pubsubHost = optional('pubsubEmulator', 'host');
  if (pubsubHost) config.pubsub.apiEndpoint = pubsubHost;
  const gcsEndpoint = optional('gcsEndpoint', 'url');
  if (gcsEndpoint) config.gcs.apiEndpoint = gcsEndpoint;
  const bigqueryEndpoint = optional('bigqueryEndpoint', 'url');
  if (bigqueryEndpoint) config.bigquery.apiEndpoint = bigqueryEndpoint;

  const topicNames = [
    ...Object.values(config.topics),
    config.deadLetterTopic,
    config.sweepTopic,
    config.incomingTopic,
  ];
  const dup = topicNames.find((t, i) => topicNames.indexOf(t) !== i);
  if (dup) problems.push(`topic "${dup}" is used for two purposes; every CLOUDREDUCE_TOPIC_* must differ`);
  if (config.leaseSeconds >= config.stallSeconds) {
    problems.push(`${CLOUD_ENV.stallSeconds.name} must be longer than ${CLOUD_ENV.leaseSeconds.name}`);
  }

  if (missing.length || problems.length) {
    const lines = [
      ...(missing.length ? [`missing required variable(s): ${missing.join(', ')}`] : []),
      ...problems,
    ];
    throw new ConfigError(
      `cloudreduce cloud configuration is invalid:\n  - ${lines.join('\n  - ')}\n` +
        'Set these environment variables on the functions (terraform does), or in the shell for ' +
        '`cloudreduce submit --project`. See docs/cloud.md for the full list.',
    );
  }
  return config;
}

/** The environment that parses back into `config`: how the dev cloud configures its functions. */
export function cloudConfigEnv(config: CloudConfig): Record<string, string> {
  const env: Record<string, string> = {
    [CLOUD_ENV.projectId.name]: config.projectId,
    [CLOUD_ENV.region.name]: config.region,
    [CLOUD_ENV.workBucket.name]: config.workBucket,
    [CLOUD_ENV.workPrefix.name]: config.workPrefix,
    [CLOUD_ENV.topicJobs.name]: config.topics.jobs,
    [CLOUD_ENV.topicMap.name]: config.topics.map,
    [CLOUD_ENV.topicReduce.name]: config.topics.reduce,
    [CLOUD_ENV.topicFinalize.name]: config.topics.finalize,
    [CLOUD_ENV.topicDeadLetter.name]: config.deadLetterTopic,
    [CLOUD_ENV.topicSweep.name]: config.sweepTopic,
    [CLOUD_ENV.topicIncoming.name]: config.incomingTopic,
    [CLOUD_ENV.bigqueryDataset.name]: config.bigquery.dataset,
    [CLOUD_ENV.bigqueryLocation.name]: config.bigquery.location,
    [CLOUD_ENV.datastoreNamespace.name]: config.datastore.namespace ?? '',
    [CLOUD_ENV.datastoreDatabase.name]: config.datastore.databaseId ?? '(default)',
    [CLOUD_ENV.taskBudgetSeconds.name]: String(config.taskBudgetSeconds),
    [CLOUD_ENV.leaseSeconds.name]: String(config.leaseSeconds),
    [CLOUD_ENV.stallSeconds.name]: String(config.stallSeconds),
    [CLOUD_ENV.jobModules.name]: config.jobModules.join(','),
    [CLOUD_ENV.logLevel.name]: config.logLevel.toLowerCase(),
    [CLOUD_ENV.scratchDir.name]: config.scratchDir,
  };
  const optional: [string, string | undefined][] = [
    [CLOUD_ENV.incomingBucket.name, config.incomingBucket],
    [CLOUD_ENV.pubsubEmulator.name, config.pubsub.apiEndpoint],
    [CLOUD_ENV.datastoreEmulator.name, config.datastore.apiEndpoint],
    [CLOUD_ENV.gcsEndpoint.name, config.gcs.apiEndpoint],
    [CLOUD_ENV.bigqueryEndpoint.name, config.bigquery.apiEndpoint],
  ];
  for (const [name, value] of optional) if (value !== undefined) env[name] = value;
  return env;
}
