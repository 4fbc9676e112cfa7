// The test runner behind `npm run test:unit`: starts the Pub/Sub and Datastore emulators once,
// exports their endpoints, runs node's test runner on the test files (all of them, or the files
// and globs given as arguments), forwards its exit code and always stops the emulators.
// The GCS and BigQuery fakes are in-process servers that each test file starts for itself.
//
//   node scripts/run-tests.ts                      # every test/**/*.test.ts
//   node scripts/run-tests.ts test/adapters/gcp/*.test.ts

import { spawn } from 'node:child_process';
import { startEmulators } from './emulators.ts';

const DEFAULT_PATTERNS = ['test/**/*.test.ts'];

async function main(argv: string[]): Promise<number> {
  const patterns = argv.length > 0 ? argv : DEFAULT_PATTERNS;
  const started = Date.now();
  const emulators = await startEmulators();
  console.log(
    `Emulators ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `Pub/Sub ${emulators.pubsubHost}, Datastore ${emulators.datastoreHost}, project ${emulators.projectId}`,
  );
  try {
    const env = {
      ...process.env,
      PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
      PUBSUB_PROJECT_ID: emulators.projectId,
      DATASTORE_EMULATOR_HOST: emulators.datastoreHost,
      DATASTORE_PROJECT_ID: emulators.projectId,
    };
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--test', '--test-reporter=spec', ...patterns],
      {
        stdio: 'inherit',
        env,
      },
    );
    return await new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await emulators.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
