// `cloudreduce submit JOB`: validates the job and its params here, with the same messages as
// `run`, then publishes a job message to the jobs topic of the dev cloud or of a deployed project.
// The run proceeds in the functions; this prints its id and how to watch it.

import { ConfigError } from '../../core/errors.ts';
import { parseJobMessage, validRunId } from '../../core/messages.ts';
import { newRunId } from '../../core/split.ts';
import { localInputFiles } from '../../runtime/local-adapters.ts';
import { checkStartInputs } from '../../runtime/start-check.ts';
import { commonOptions, parse } from '../args.ts';
import { JOB_MESSAGE_OPTIONS, jobMessageFromFlags } from '../job-message.ts';
import { followRun } from '../follow-run.ts';
import { runSummary } from '../report.ts';
import { openRunSource, type RunSource } from '../run-source.ts';
import { openCli, type CliIo } from '../session.ts';
import { jobHelp } from './run.ts';

export const SUBMIT_HELP = `Usage: cloudreduce submit JOB [options]

Publishes a job message that starts JOB in the cloud: the emulated cloud of a running
\`cloudreduce dev\` (the default; found through DATA_DIR/dev.json), or a deployed project with
--project (application default credentials: gcloud auth application-default login).
The job and its params are checked here first. Prints the run id and how to follow the run.

Options:
  --param NAME=VALUE       a job parameter (repeatable); see \`cloudreduce submit JOB --help\`
  --input URI              gs://BUCKET/PATH, a folder (gs://BUCKET/DIR/) or a wildcard (repeatable).
                           With the dev cloud, local files and globs are uploaded to it first.
  --shards N               map tasks to plan (default: the job's, else 8)
  --partitions R           reduce tasks (default: the job's, else 4)
  --memory-budget SIZE     map-side buffer before spilling, e.g. 256MiB
  --run-id ID              use this run id (default: JOB-TIME-RANDOM); resubmitting an id is a no-op
  --wait                   show the run's progress until it ends, then its summary; exit status 0
                           when it is DONE, 1 when FAILED, ABORTED or REJECTED (needs read access
                           to the project's Datastore). Ctrl-C stops waiting, not the run.
  --project ID             submit to this deployed project instead of the dev cloud
  --topic NAME             the jobs topic (default: env CLOUDREDUCE_TOPIC_JOBS, else cloudreduce-jobs)
  --jobs MODULE            also load jobs from MODULE (repeatable; env CLOUDREDUCE_JOBS)
  --data-dir DIR           where dev.json is (default .cloudreduce)
  --json                   print {"runId", "messageId", "target"} as JSON (with --wait: the final
                           run record)`;

export async function submitCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'submit',
    argv,
    {
      input: { type: 'string', multiple: true },
      ...JOB_MESSAGE_OPTIONS,
      project: { type: 'string' },
      topic: { type: 'string' },
      wait: { type: 'boolean' },
    },
    ['JOB'],
  );
  const common = commonOptions(values, io.env);
  const jobArg = positionals[0];
  if (!jobArg) {
    io.out(SUBMIT_HELP);
    return common.help ? 0 : 2;
  }
  const session = await openCli(common, io, jobArg);
  const job = session.jobs.get(session.jobName);
  if (common.help) {
    io.out(jobHelp(job).replaceAll('cloudreduce run', 'cloudreduce submit'));
    return 0;
  }
  // Bad params fail here, before anything is sent, with the same message as `run`.
  const message = jobMessageFromFlags(job, values, 'cli-submit');
  const runId = values['run-id'] ?? newRunId(job.name, Date.now());
  if (!validRunId(runId)) {
    throw new ConfigError(`--run-id "${runId}" is not valid: use 1-100 lowercase letters, digits or dashes.`);
  }
  message.runId = runId;

  // The cloud side loads the Google Cloud clients: import it only once there is something to send.
  const { resolveTarget, publishJob } = await import('../../cloud/cloud-target.ts');
  const target = resolveTarget(
    {
      dataDir: common.dataDir,
      ...(values.project !== undefined ? { project: values.project } : {}),
      ...(values.topic !== undefined ? { topic: values.topic } : {}),
    },
    io.env,
  );
  const module = session.jobs.list().find((e) => e.job === job)?.module;
  if (
    module &&
    session.userModules.includes(module) &&
    target.jobModules &&
    !target.jobModules.includes(module)
  ) {
    throw new ConfigError(
      `The dev cloud was not started with job module ${module}, so its functions cannot run ${job.name}. ` +
        'Restart it with `cloudreduce dev --jobs MODULE` (the same modules as here).',
    );
  }

  const inputs = values.input ?? [];
  const local = inputs.filter((i) => !i.startsWith('gs://'));
  if (local.length && !target.upload) {
    throw new ConfigError(
      `--input ${local[0]} is not a Cloud Storage URI. Functions in ${target.label} read gs://BUCKET/PATH, ` +
        'gs://BUCKET/DIR/ or wildcards; copy the files there first (gcloud storage cp FILES gs://BUCKET/DIR/).',
    );
  }
  // A job that reads files but got no --input, or local paths that match nothing: refused here, as
  // by `run`, instead of becoming a failed run in the cloud. gs:// paths are expanded by the split
  // function (the submitter may only be allowed to publish, not to list the bucket).
  await checkStartInputs(job, inputs.length ? { ...message, inputs } : message, {
    expand: async () => (local.length ? localInputFiles(io.cwd).expand(local) : []),
  });
  if (inputs.length) {
    if (target.upload) {
      const { uploadLocalInputs } = await import('../../cloud/upload-inputs.ts');
      const uploaded = await uploadLocalInputs(inputs, target.upload, runId, io.cwd);
      if (uploaded.files)
        io.err(`uploaded ${uploaded.files} file(s), ${uploaded.bytes} bytes, to ${target.label}`);
      message.inputs = uploaded.inputs;
    } else message.inputs = inputs;
  }
  parseJobMessage(message); // the same check the split function makes, before anything is sent

  const where = values.project === undefined ? '--dev' : `--project ${values.project}`;
  const source = values.wait
    ? await openRunSource(
        values.project === undefined ? { dev: true } : { project: values.project },
        common.dataDir,
        io.env,
      )
    : undefined;
  try {
    // Waiting on an id that another job's run holds would report that run: refuse before sending.
    const existing = await source?.state?.getRun(runId);
    if (existing && existing.job !== job.name)
      throw new ConfigError(
        `--run-id ${runId} is taken in ${target.label} by a run of job ${existing.job} (${existing.status}); ` +
          'choose another id, or leave --run-id out for a new one.',
      );
    const messageId = await publishJob(target, message);
    if (common.json && !source) io.out(JSON.stringify({ runId, messageId, target: target.label }));
    else if (!common.json) {
      io.out(`submitted ${job.name} run ${runId} to ${target.label} (message ${messageId})`);
      if (!source) io.out(`follow it with: cloudreduce status ${runId} ${where} --watch`);
    }
    if (!source) return 0;
    return await waitForEnd(source, runId, job.name, io, common.json, where);
  } finally {
    await source?.close();
  }
}

async function waitForEnd(
  source: RunSource,
  runId: string,
  job: string,
  io: CliIo,
  json: boolean,
  where: string,
): Promise<number> {
  const interrupt = () => {
    io.err(
      `\nstopped waiting; the run goes on in ${source.where}. Follow it with: cloudreduce status ${runId} ${where} --watch`,
    );
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  try {
    const run = await followRun(source, runId, io, { job });
    io.out(json ? JSON.stringify(run, null, 2) : runSummary(run));
    if (!json && run.status !== 'DONE') io.out(`logs: cloudreduce logs ${runId} ${where}`);
    return run.status === 'DONE' ? 0 : 1;
  } finally {
    process.off('SIGINT', interrupt);
  }
}
