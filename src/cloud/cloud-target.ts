// Where `submit` and `status` talk to: the running dev cloud (found through dev.json) or a deployed
// project (application default credentials). Both are reached with the same GCP adapters the
// functions use, so what `status` shows is exactly what the functions wrote.

import { PubSub } from '@google-cloud/pubsub';
import { GRPC, grpcCode } from '../adapters/gcp/backend-errors.ts';
import { DatastoreStateStore } from '../adapters/gcp/datastore-state-store.ts';
import { ConfigError } from '../core/errors.ts';
import type { JobMessage } from '../core/messages.ts';
import type { StateStore } from '../ports/state-store.ts';
import { CLOUD_ENV } from './config.ts';
import { readDevState } from './dev-state.ts';
import { check } from './names.ts';

export interface CloudTarget {
  /** For messages: "the dev cloud" or "project my-project". */
  label: string;
  projectId: string;
  jobsTopic: string;
  pubsubEndpoint?: string;
  datastoreEndpoint?: string;
  namespace?: string;
  databaseId?: string;
  /** Dev cloud only: where local input files are uploaded before a submit. */
  upload?: { gcsEndpoint: string; bucket: string };
  /** Dev cloud only: the job modules its functions load. */
  jobModules?: string[];
}

export interface TargetFlags {
  dataDir: string;
  project?: string;
  topic?: string;
  namespace?: string;
  database?: string;
}

/** --project → that project; otherwise the dev cloud of dataDir (a ConfigError if none runs). */
export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv): CloudTarget {
  if (flags.project === undefined) {
    const { config, state } = readDevState(flags.dataDir);
    // The clients would probe for a GCE metadata server (and warn) before using the emulators.
    env.METADATA_SERVER_DETECTION ??= 'none';
    return {
      label: 'the dev cloud',
      projectId: config.projectId,
      jobsTopic: flags.topic ?? config.topics.jobs,
      ...(config.pubsub.apiEndpoint ? { pubsubEndpoint: config.pubsub.apiEndpoint } : {}),
      ...(config.datastore.apiEndpoint ? { datastoreEndpoint: config.datastore.apiEndpoint } : {}),
      ...(config.datastore.namespace ? { namespace: config.datastore.namespace } : {}),
      upload: { gcsEndpoint: state.gcsEndpoint, bucket: config.incomingBucket ?? config.workBucket },
      jobModules: config.jobModules,
    };
  }
  // Flag, then the variable terraform sets on the functions, then the default.
  const pick = (flag: string | undefined, variable: keyof typeof CLOUD_ENV) =>
    flag ?? env[CLOUD_ENV[variable].name] ?? (CLOUD_ENV[variable] as { default?: string }).default ?? '';
  const values = {
    project: flags.project,
    topic: pick(flags.topic, 'topicJobs'),
    namespace: pick(flags.namespace, 'datastoreNamespace'),
    database: pick(flags.database, 'datastoreDatabase'),
  };
  const problems = (
    [
      ['--project', 'project', values.project],
      ['--topic', 'topic', values.topic],
      ['--namespace', 'namespace', values.namespace],
      ['--database', 'database', values.database],
    ] as const
  ).flatMap(([flag, kind, value]) => {
    const problem = check(kind, value);
    return problem ? [`${flag} ${JSON.stringify(value)}: ${problem}`] : [];
  });
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return {
    label: `project ${values.project}`,
    projectId: values.project,
    jobsTopic: values.topic,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.database !== '(default)' ? { databaseId: values.database } : {}),
  };
}

// gRPC status codes the adapters' GRPC table does not list.
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** Publishes one job message; resolves to the Pub/Sub message id. */
export async function publishJob(target: CloudTarget, message: JobMessage): Promise<string> {
  const pubsub = new PubSub({
    projectId: target.projectId,
    ...(target.pubsubEndpoint ? { apiEndpoint: target.pubsubEndpoint } : {}),
  });
  try {
    return await pubsub.topic(target.jobsTopic).publishMessage({ json: message });
  } catch (err) {
    const code = grpcCode(err);
    if (code === GRPC.NOT_FOUND) {
      throw new ConfigError(
        `Topic projects/${target.projectId}/topics/${target.jobsTopic} does not exist in ${target.label}. ` +
          'Deploy cloudreduce there (terraform apply), or name the jobs topic with --topic.',
        { cause: err },
      );
    }
    if (code === PERMISSION_DENIED || code === UNAUTHENTICATED) {
      throw new ConfigError(
        `Not allowed to publish to ${target.jobsTopic} in ${target.label}: ${(err as Error).message}. ` +
          'Log in with `gcloud auth application-default login` as someone with roles/pubsub.publisher on the topic.',
        { cause: err },
      );
    }
    throw err;
  } finally {
    await pubsub.close();
  }
}

export function openTargetState(target: CloudTarget): StateStore {
  return new DatastoreStateStore({
    projectId: target.projectId,
    ...(target.datastoreEndpoint ? { apiEndpoint: target.datastoreEndpoint } : {}),
    ...(target.namespace ? { namespace: target.namespace } : {}),
    ...(target.databaseId ? { databaseId: target.databaseId } : {}),
  });
}
