// The emulator endpoints a test run exports (scripts/run-tests.ts). Tests that need an emulator
// fail loudly without them instead of skipping, so a green run always means they ran.

export interface EmulatorEnv {
  pubsubHost: string;
  datastoreHost: string;
  projectId: string;
}

export function emulatorEnv(env: NodeJS.ProcessEnv = process.env): EmulatorEnv {
  const pubsubHost = env.PUBSUB_EMULATOR_HOST;
  const datastoreHost = env.DATASTORE_EMULATOR_HOST;
  const projectId = env.DATASTORE_PROJECT_ID ?? env.PUBSUB_PROJECT_ID;
  const missing = [
    pubsubHost ? undefined : 'PUBSUB_EMULATOR_HOST',
    datastoreHost ? undefined : 'DATASTORE_EMULATOR_HOST',
    projectId ? undefined : 'DATASTORE_PROJECT_ID',
  ].filter((v) => v !== undefined);
  if (!pubsubHost || !datastoreHost || !projectId) {
    throw new Error(
      `This test needs the Pub/Sub and Datastore emulators, but ${missing.join(', ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} not set. ` +
        'Run it via `npm test` / `npm run test:unit` (scripts/run-tests.ts starts the emulators and exports ' +
        'these variables), e.g. `npm run test:unit -- test/adapters/gcp/pubsub-message-bus.test.ts`.',
    );
  }
  return { pubsubHost, datastoreHost, projectId };
}
