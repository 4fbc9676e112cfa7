// `cloudreduce dev`: the emulated Google Cloud on this machine (src/cloud/dev-cloud.ts), kept
// running until Ctrl-C. Prints the endpoints, writes them to DATA_DIR/dev.json for `submit` and
// `status`, and shows the functions' logs as they come.

import { ConfigError } from '../../core/errors.ts';
import { INGEST_PREFIX } from '../../ingest/object.ts';
import { loadJobs, userJobModules } from '../../runtime/job-modules.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import type { CliIo } from '../session.ts';

export const DEV_HELP = `Usage: cloudreduce dev [options]

Starts an emulated Google Cloud here: the Pub/Sub and Datastore emulators (gcloud + Java), fakes
of Cloud Storage and BigQuery, and the split, map, reduce, finalize, sweeper, ingest and
ingestObject functions as real functions-framework processes, each event function fed by its own
Pub/Sub push subscription. Files put under ingest/<Kind>/ in the incoming bucket are notified to
ingestObject as Cloud Storage would. A timer stands in for Cloud Scheduler's sweeper tick. Runs
until Ctrl-C (or the terminal closes), which stops everything.

Then, in another terminal:
  cloudreduce submit wordcount --input 'data/*.txt'    (local files are uploaded to the fake GCS)
  cloudreduce status RUN_ID --dev
  cloudreduce logs RUN_ID --dev                        (the functions' entries about that run)
  curl --data-binary @tweets.ndjson 'INGEST_URL/?kind=Tweet'   (INGEST_URL is printed at start)

When PUBSUB_EMULATOR_HOST and DATASTORE_EMULATOR_HOST are set, those emulators are used.

Options:
  --jobs MODULE            job modules the functions load (repeatable; env CLOUDREDUCE_JOBS)
  --project ID             project id on the emulators (default cloudreduce-dev)
  --prefix NAME            prefix of topics, subscriptions, buckets and dataset (default cloudreduce)
  --namespace NS           Datastore namespace of the run state (default: the default namespace)
  --lease SECONDS          task lease; a dead worker's task is retaken after it (default 60)
  --sweep-every SECONDS    how often the sweeper runs (default 60)
  --quiet                  do not show the functions' logs (still recorded for \`cloudreduce logs\`)
  --data-dir DIR           where dev.json and function-logs/ are written (default .cloudreduce)
Function log level: env CLOUDREDUCE_LOG (debug, info, warning, error; default info).`;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function devCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    'dev',
    argv,
    {
      project: { type: 'string' },
      prefix: { type: 'string' },
      namespace: { type: 'string' },
      lease: { type: 'string' },
      'sweep-every': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    [],
  );
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(DEV_HELP);
    return 0;
  }
  const { hasDevState, readDevState, removeDevState, writeDevState, devStatePath } =
    await import('../../cloud/dev-state.ts');
  if (hasDevState(common.dataDir)) {
    let running = false;
    try {
      readDevState(common.dataDir);
      running = true;
    } catch {
      // stale: a dev cloud that was killed; replace its file
    }
    if (running) {
      throw new ConfigError(
        `A dev cloud is already running for ${common.dataDir} (see ${devStatePath(common.dataDir)}). ` +
          'Stop it with Ctrl-C in its terminal, or start another with --data-dir OTHER_DIR.',
      );
    }
  }
  const jobModules = userJobModules(common.jobModules, io.env, io.cwd);
  await loadJobs(jobModules); // a broken module fails here, not in every function
  const lease = parseCount('--lease', values.lease);
  const sweepEvery = parseCount('--sweep-every', values['sweep-every']);
  // This process talks only to the emulators and fakes. Off Google Cloud, a client looking for
  // credentials (the BigQuery client creating the dataset, Pub/Sub's universe-domain check) would
  // probe the metadata server and print a MetadataLookupWarning; the functions get the same setting.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const { startDevCloud } = await import('../../cloud/dev-cloud.ts');
  const { formatLogLine } = await import('../../cloud/log-format.ts');
  const recordLog = (await import('../../cloud/function-logs.ts')).functionLogWriter(common.dataDir);
  const reuse =
    io.env.PUBSUB_EMULATOR_HOST && io.env.DATASTORE_EMULATOR_HOST
      ? { pubsubHost: io.env.PUBSUB_EMULATOR_HOST, datastoreHost: io.env.DATASTORE_EMULATOR_HOST }
      : undefined;

  const started = Date.now();
  io.err(
    reuse
      ? `using the emulators at ${reuse.pubsubHost} and ${reuse.datastoreHost}`
      : 'starting the emulators…',
  );
  // Registered before the cloud starts, so it runs first; the emulators' own handler then exits.
  let stopRequested: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
  // SIGHUP too: closing the terminal must stop the emulators and functions, which run in process
  // groups of their own and so do not get the terminal's hangup themselves.
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal !== 'SIGHUP') io.err('\nstopping the dev cloud…'); // no terminal left to print to
    stopRequested();
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  const removeState = () => removeDevState(common.dataDir);
  process.on('exit', removeState);
  const detach = () => {
    process.off('exit', removeState);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
  let cloud: Awaited<ReturnType<typeof startDevCloud>>;
  try {
    cloud = await startDevCloud({
      ...(values.project ? { projectId: values.project } : {}),
      ...(reuse ? { emulators: reuse } : {}),
      ...(values.prefix ? { prefix: values.prefix } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(lease ? { leaseSeconds: lease } : {}),
      ...(sweepEvery !== undefined ? { sweepEveryMillis: sweepEvery * 1000 } : {}),
      jobModules,
      logLevel: levelOf(io.env.CLOUDREDUCE_LOG),
      cwd: io.cwd,
      // Recorded for `cloudreduce logs RUN --dev` whether or not the terminal shows them.
      onLog: (fn, line) => {
        recordLog(fn, line);
        if (!values.quiet) io.err(formatLogLine(fn, line));
      },
    });
  } catch (err) {
    detach();
    throw err;
  }
  try {
    const { config } = cloud;
    const functions = Object.fromEntries(Object.entries(cloud.functions).map(([name, f]) => [name, f.url]));
    const path = writeDevState(common.dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      env: cloud.env,
      functions,
      gcsEndpoint: cloud.gcs.endpoint,
      bigqueryEndpoint: cloud.bigquery.endpoint,
    });
    const rows = [
      ['Pub/Sub emulator', config.pubsub.apiEndpoint!],
      [
        'Datastore emulator',
        `${config.datastore.apiEndpoint}${config.datastore.namespace ? ` (namespace ${config.datastore.namespace})` : ''}`,
      ],
      ['Cloud Storage fake', `${cloud.gcs.endpoint}  buckets ${config.workBucket}, ${config.incomingBucket}`],
      ['BigQuery fake', `${cloud.bigquery.endpoint}  dataset ${config.bigquery.dataset}`],
      ...Object.entries(functions).map(([name, url]) => [`function ${name}`, url]),
      ['sweeper tick', `every ${sweepEvery ?? 60} s on topic ${config.sweepTopic}`],
      ['ingest files', `gs://${config.incomingBucket}/${INGEST_PREFIX}<Kind>/NAME.ndjson|csv`],
    ];
    io.out(
      `dev cloud of project ${config.projectId} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [what, where] of rows) io.out(`  ${what!.padEnd(20)} ${where}`);
    io.out(
      `\nSubmit a job:  cloudreduce submit wordcount --input 'data/*.txt'${dataDirFlag(common.dataDir)}` +
        `\nFollow a run:  cloudreduce status RUN_ID --dev${dataDirFlag(common.dataDir)}` +
        `\nIngest:        curl -H 'Content-Type: application/x-ndjson' --data-binary @tweets.ndjson '${cloud.ingestUrl}/?kind=Tweet'` +
        `\nEndpoints and the functions' environment are in ${path}. Ctrl-C stops everything.\n`,
    );
    await stopping;
  } finally {
    await cloud.stop();
    removeState();
    detach();
  }
  io.err('dev cloud stopped');
  return 0;
}

function dataDirFlag(dataDir: string): string {
  return dataDir === '.cloudreduce' ? '' : ` --data-dir ${dataDir}`;
}

function levelOf(text: string | undefined): 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' {
  const level = (text ?? 'info').toLowerCase();
  if (level === 'debug') return 'DEBUG';
  if (level === 'warn' || level === 'warning') return 'WARNING';
  if (level === 'error') return 'ERROR';
  return 'INFO';
}
