// The ingest function's two entry points, built on the ingest core (src/ingest) with the deployed
// env (src/cloud/config.ts + engine-env.ts): `ingest` (HTTP POST of records) and `ingestObject`
// (Cloud Storage object-finalized notifications on the incoming bucket). Dependencies are injectable so
// tests run them against the Datastore emulator and the GCS fake.

import type { CloudEvent, HttpFunction } from '@google-cloud/functions-framework';
import { GcsBlobStore } from '../../src/adapters/gcp/gcs-blob-store.ts';
import { createStorage } from '../../src/adapters/gcp/gcs-client.ts';
import { processCloudEnv } from '../../src/cloud/engine-env.ts';
import { answerBodyErrorsWithJson } from '../../src/cloud/framework-errors.ts';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';
import { functionProject, traceFields } from '../../src/cloud/trace.ts';
import { decodePubSubEvent } from '../../src/cloud/pubsub-event.ts';
import { ConfigError, isPermanent, toErrorInfo } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/logger.ts';
import { importJobModule } from '../../src/runtime/job-modules.ts';
import { handleIngestRequest, ingestObject, KindRegistry, kindsOfModule } from '../../src/ingest/index.ts';
import type { IngestLimits } from '../../src/ingest/index.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import type { EntityStore } from '../../src/ports/entity-store.ts';

export interface IngestDeps {
  store: EntityStore;
  kinds: KindRegistry;
  /** The incoming bucket's name and a store over it; absent when CLOUDREDUCE_INCOMING_BUCKET is unset. */
  incoming?: { bucket: string; blobs: BlobStore };
  logger: Logger;
  limits?: Partial<IngestLimits>;
}

/**
 * The deployed dependencies: the process's cloud env (one per instance), the built-in kinds plus
 * every kind exported by the job modules of CLOUDREDUCE_JOBS (kinds live next to the jobs that
 * read them, so no new variable is needed).
 */
async function deployedDeps(): Promise<IngestDeps> {
  const { env, config } = await processCloudEnv();
  const kinds = new KindRegistry();
  const modules = new Set(env.jobs.list().map((entry) => entry.module));
  for (const module of modules) {
    if (module !== undefined) for (const k of kindsOfModule(await importJobModule(module))) kinds.register(k);
  }
  const deps: IngestDeps = { store: env.entities, kinds, logger: env.logger };
  if (config.incomingBucket) {
    const storage = createStorage({
      projectId: config.projectId,
      ...(config.gcs.apiEndpoint ? { apiEndpoint: config.gcs.apiEndpoint } : {}),
    });
    deps.incoming = {
      bucket: config.incomingBucket,
      blobs: new GcsBlobStore({ bucket: config.incomingBucket, storage }),
    };
  }
  return deps;
}

let cached: Promise<IngestDeps> | undefined;
function defaultDeps(): Promise<IngestDeps> {
  cached ??= deployedDeps().catch((err: unknown) => {
    cached = undefined; // a failed start is retried by the next request
    throw err;
  });
  return cached;
}

export function ingestHttp(getDeps: () => Promise<IngestDeps> = defaultDeps): HttpFunction {
  // Invalid JSON under application/json never reaches the function: without this the framework
  // answers it with an HTML stack page.
  answerBodyErrorsWithJson();
  return async (req, res) => {
    let deps: IngestDeps;
    try {
      deps = await getDeps();
    } catch (err) {
      createJsonLogger('ERROR').error(`ingest cannot start: ${toErrorInfo(err).message}`, {
        function: 'ingest',
      });
      res.status(503).json({ error: 'The ingest function is not configured correctly; see its logs.' });
      return;
    }
    // Entries about this request join its trace in Cloud Logging.
    const logger = deps.logger.child({
      function: 'ingest',
      ...traceFields(functionProject(), {
        traceparent: req.header('traceparent'),
        cloudTraceContext: req.header('x-cloud-trace-context'),
      }),
    });
    try {
      const kind = typeof req.query.kind === 'string' ? req.query.kind : undefined;
      // rawBody: functions-framework has already parsed JSON bodies; the core wants the bytes.
      const body = req.rawBody ?? (typeof req.body === 'string' ? req.body : undefined);
      const response = await handleIngestRequest(
        { method: req.method, kind, headers: req.headers, body },
        { store: deps.store, kinds: deps.kinds, ...(deps.limits ? { limits: deps.limits } : {}) },
      );
      const answer = response.body as {
        stored?: number;
        kind?: string;
        error?: string;
        rejected?: unknown[];
      };
      if (response.status === 200)
        logger.info(`ingest stored ${answer.stored} ${answer.kind} entities`, {
          ...answer,
        });
      else
        logger.info(`ingest refused a request (${response.status}): ${answer.error?.split('\n')[0]}`, {
          status: response.status,
          ...(answer.rejected ? { rejected: answer.rejected.length } : {}),
        });
      res.status(response.status).json(response.body);
    } catch (err) {
      const info = toErrorInfo(err);
      logger.error(`ingest failed: ${info.message}`, { error: info });
      res
        .status(500)
        .json({ error: `Storing the records failed (${info.message}); send them again: it is safe.` });
    }
  };
}

/** The object an event is about, or why the event is not one to ingest. */
export type ObjectEvent =
  | { ok: true; bucket: string; name: string; id: string; deliveryAttempt?: number }
  | { ok: false; reason: string };

/**
 * Reads the two shapes a finalized object arrives in:
 *   - a Cloud Storage Pub/Sub notification (payload JSON_API_V1) pushed by our own subscription,
 *     which is how terraform and the dev cloud wire it: attributes eventType, bucketId, objectId;
 *   - Eventarc's `google.cloud.storage.object.v1.finalized` CloudEvent, data = the object resource,
 *     for a deployment that wires the function with an Eventarc trigger instead.
 * Other event types (deletes, metadata updates, archives) are not ingested.
 */
export function objectOfEvent(event: CloudEvent<unknown>): ObjectEvent {
  if (typeof event.type === 'string' && event.type.startsWith('google.cloud.storage.')) {
    if (event.type !== 'google.cloud.storage.object.v1.finalized')
      return { ok: false, reason: `a ${event.type} event, not object.v1.finalized` };
    const data = (event.data ?? {}) as { bucket?: unknown; name?: unknown };
    if (typeof data.bucket !== 'string' || typeof data.name !== 'string')
      return { ok: false, reason: 'a storage event whose data has no bucket and name' };
    return { ok: true, bucket: data.bucket, name: data.name, id: event.id };
  }
  const decoded = decodePubSubEvent(event);
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  const { attributes, id, deliveryAttempt } = decoded.message;
  if (attributes.eventType !== 'OBJECT_FINALIZE')
    return {
      ok: false,
      reason: `a notification of ${attributes.eventType ?? 'no eventType'}, not OBJECT_FINALIZE`,
    };
  if (!attributes.bucketId || !attributes.objectId)
    return { ok: false, reason: 'a notification without bucketId and objectId attributes' };
  return {
    ok: true,
    bucket: attributes.bucketId,
    name: attributes.objectId,
    id,
    ...(deliveryAttempt ? { deliveryAttempt } : {}),
  };
}

export function ingestObjectEvent(
  getDeps: () => Promise<IngestDeps> = defaultDeps,
): (event: CloudEvent<unknown>) => Promise<void> {
  return async (event) => {
    let deps: IngestDeps;
    try {
      deps = await getDeps();
    } catch (err) {
      // Rejecting makes Pub/Sub redeliver, so after a fix and redeploy the backlog drains.
      const info = toErrorInfo(err);
      createJsonLogger('ERROR').error(
        `ingestObject cannot start, so the event will be redelivered: ${info.message}`,
        {
          function: 'ingestObject',
          eventId: event.id,
        },
      );
      throw err instanceof Error ? err : new Error(info.message);
    }
    const object = objectOfEvent(event);
    if (!object.ok) {
      deps.logger.warn(`ingestObject: ignoring the event: ${object.reason}`, {
        function: 'ingestObject',
        eventId: event.id,
      });
      return;
    }
    const labels = {
      function: 'ingestObject',
      eventId: object.id,
      bucket: object.bucket,
      object: object.name,
      ...(object.deliveryAttempt ? { deliveryAttempt: object.deliveryAttempt } : {}),
    };
    if (!deps.incoming)
      throw new ConfigError('ingestObject needs CLOUDREDUCE_INCOMING_BUCKET; set it and redeploy.');
    if (object.bucket !== deps.incoming.bucket) {
      deps.logger.warn(
        'ingestObject: ignoring an event that is not about an object of the incoming bucket',
        labels,
      );
      return;
    }
    try {
      const outcome = await ingestObject(object.name, {
        incoming: deps.incoming.blobs,
        store: deps.store,
        kinds: deps.kinds, // request limits do not apply: objects have their own (src/ingest/object.ts)
      });
      if (outcome.status === 'skipped') deps.logger.info(`ingestObject skipped: ${outcome.reason}`, labels);
      else
        deps.logger.info(`ingestObject stored ${outcome.result.stored} ${outcome.result.kind} entities`, {
          ...labels,
          rejected: outcome.result.rejected.length,
          summary: outcome.summary,
        });
    } catch (err) {
      const info = toErrorInfo(err);
      // A permanent failure (a deleted object, an oversized one) is acked: redelivery cannot fix it.
      if (isPermanent(err))
        return void deps.logger.error(`ingestObject gave up: ${info.message}`, { ...labels, error: info });
      deps.logger.warn(`ingestObject failed; the event will be redelivered: ${info.message}`, {
        ...labels,
        error: info,
      });
      throw err instanceof Error ? err : new Error(info.message);
    }
  };
}
