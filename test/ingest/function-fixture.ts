// The ingest functions' shared test set-up: their dependencies against the Datastore emulator
// (exported by scripts/run-tests.ts) and the GCS fake, a kind of its own per test file, and helpers.
import { after, before } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { IngestDeps } from '../../functions/ingest/handlers.ts';
import { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import { GcsBlobStore } from '../../src/adapters/gcp/gcs-blob-store.ts';
import { createStorage } from '../../src/adapters/gcp/gcs-client.ts';
import { memoryLogger } from '../../src/core/logger.ts';
import { defineKind, KindRegistry } from '../../src/ingest/index.ts';
import type { Entity } from '../../src/ports/entity-store.ts';
import { emulatorEnv } from '../fakes/emulator-env.ts';
import { startGcsFake, type GcsFake } from '../../src/cloud/fakes/gcs-fake.ts';

const env = emulatorEnv();
// A kind of its own per test file: the emulator is shared by every test file.
export const kindName = `Post${randomUUID().replaceAll('-', '').slice(0, 10)}`;
export const Post = defineKind({
  kind: kindName,
  key: 'pid',
  properties: { pid: 'integer', user: 'string', text: 'string', at: 'datetime', likes: 'integer' },
});
export const BUCKET = 'incoming-test';

/** Filled in by the test file's `before` hook that ingestFixture registers. */
export const fx = {} as { gcs: GcsFake; deps: IngestDeps; logs: ReturnType<typeof memoryLogger>['entries'] };

/** Registers the file's before/after hooks: a GCS fake with the incoming bucket, and the deps. */
export function ingestFixture(): void {
  before(async () => {
    fx.gcs = await startGcsFake();
    fx.gcs.createBucket(BUCKET);
    const logger = memoryLogger();
    fx.logs = logger.entries;
    fx.deps = {
      store: new DatastoreEntityStore({ projectId: env.projectId, apiEndpoint: env.datastoreHost }),
      kinds: new KindRegistry([Post]),
      incoming: {
        bucket: BUCKET,
        blobs: new GcsBlobStore({
          bucket: BUCKET,
          storage: createStorage({ projectId: env.projectId, apiEndpoint: fx.gcs.endpoint, maxRetries: 0 }),
        }),
      },
      logger: logger.logger,
      limits: { maxBodyBytes: 64 * 1024, maxRecords: 600 },
    };
  });
  after(() => fx.gcs.close());
}

export async function serve(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function stored(): Promise<Entity[]> {
  const all: Entity[] = [];
  for await (const e of fx.deps.store.query({ kind: kindName })) all.push(e);
  return all;
}

export const post = (pid: number | string, extra: Record<string, unknown> = {}) => ({
  pid,
  user: 'ann',
  text: `post ${pid}`,
  at: '2026-11-20T10:00:00Z',
  ...extra,
});
