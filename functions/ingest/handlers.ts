// The ingest function's two entry points, built on the ingest core (src/ingest) with the deployed
// env (src/cloud/config.ts + engine-env.ts): `ingest` (HTTP POST of records) and `ingestObject`
// (Cloud Storage object-finalized events on the incoming bucket). Dependencies are injectable so
// tests run them against the Datastore emulator and the GCS fake.

import type { CloudEvent, HttpFunction } from '@google-cloud/functions-framework';
import { GcsBlobStore } from '../../src/adapters/gcp/gcs-blob-store.ts';
import { createStorage } from '../../src/adapters/gcp/gcs-client.ts';
import { processCloudEnv } from '../../src/cloud/engine-env.ts';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';
import { ConfigError, isPermanent, toErrorInfo } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/logger.ts';
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
    if (module !== undefined) for (const k of kindsOfModule(await import(module))) kinds.register(k);
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
    try {
      const kind = typeof req.query.kind === 'string' ? req.query.kind : undefined;
      // rawBody: functions-framework has already parsed JSON bodies; the core wants the bytes.
      const body = req.rawBody ?? (typeof req.body === 'string' ? req.body : undefined);
      const response = await handleIngestRequest(
        { method: req.method, kind, headers: req.headers, body },
        { store: deps.store, kinds: deps.kinds, ...(deps.limits ? { limits: deps.limits } : {}) },
      );
      if (response.status === 200)
        deps.logger.info(`ingest stored records`, { function: 'ingest', ...response.body });
      res.status(response.status).json(response.body);
    } catch (err) {
      const info = toErrorInfo(err);
      deps.logger.error(`ingest failed: ${info.message}`, { function: 'ingest', error: info });
      res
        .status(500)
        .json({ error: `Storing the records failed (${info.message}); send them again: it is safe.` });
    }
  };
}

interface StorageObjectData {
  bucket?: string;
  name?: string;
}

export function ingestObjectEvent(
  getDeps: () => Promise<IngestDeps> = defaultDeps,
): (event: CloudEvent<unknown>) => Promise<void> {
  return async (event) => {
    const deps = await getDeps(); // a start failure rejects: the event is redelivered after a fix
    const data = (event.data ?? {}) as StorageObjectData;
    const labels = { function: 'ingestObject', eventId: event.id, bucket: data.bucket, object: data.name };
    if (!deps.incoming)
      throw new ConfigError('ingestObject needs CLOUDREDUCE_INCOMING_BUCKET; set it and redeploy.');
    if (data.bucket !== deps.incoming.bucket || typeof data.name !== 'string') {
      deps.logger.warn(
        'ingestObject: ignoring an event that is not about an object of the incoming bucket',
        labels,
      );
      return;
    }
    try {
      const outcome = await ingestObject(data.name, {
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
