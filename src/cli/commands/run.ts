// `cloudreduce run JOB`: runs a job locally, with a live progress bar, then prints counters,
// outputs, elapsed time and the run id. Exit code 1 when the run fails.

import { DEFAULTS } from '../../core/defaults.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Job } from '../../core/job.ts';
import { describeSpec } from '../../core/params.ts';
import { localInputFiles } from '../../runtime/local-adapters.ts';
import { checkStartInputs } from '../../runtime/start-check.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { JOB_MESSAGE_OPTIONS, jobMessageFromFlags } from '../job-message.ts';
import { openCli, type CliIo } from '../session.ts';
import { superviseRun } from './supervise.ts';

export const RUN_HELP = `Usage: cloudreduce run JOB [options]

Runs JOB on this machine (no cloud account needed) and prints its counters and outputs.
JOB is a registered job name (see \`cloudreduce jobs\`) or the path of a job module.

Options:
  --input PATH_OR_GLOB     input files for jobs that read files (repeatable)
  --param NAME=VALUE       a job parameter (repeatable); see \`cloudreduce run JOB --help\`
  --shards N               map tasks to plan (default: the job's, else 8)
  --partitions R           reduce tasks (default: the job's, else 4)
  --memory-budget SIZE     map-side buffer before spilling, e.g. 256MiB (default 64MiB); each
                           worker's heap is capped at twice this plus 256 MiB (override with
                           env CLOUDREDUCE_WORKER_HEAP_MB)
  --workers N              worker threads (default: one per core)
  --run-id ID              use this run id (default: JOB-TIME-RANDOM)
  --data-dir DIR           local state and outputs (default .cloudreduce, env CLOUDREDUCE_DATA_DIR)
  --jobs MODULE            also load jobs from MODULE (repeatable; env CLOUDREDUCE_JOBS)
  --json                   print the final run record as JSON
  -h, --help               this help, or a job's params with JOB --help`;

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'run',
    argv,
    {
      input: { type: 'string', multiple: true },
      ...JOB_MESSAGE_OPTIONS,
      workers: { type: 'string' },
    },
    ['JOB'],
  );
  const common = commonOptions(values, io.env);
  const jobArg = positionals[0];
  if (!jobArg) {
    io.out(RUN_HELP);
    return common.help ? 0 : 2;
  }
  const session = await openCli(common, io, jobArg);
  const job = session.jobs.get(session.jobName);
  if (common.help) {
    io.out(jobHelp(job));
    return 0;
  }
  // Bad params fail here, before a run exists, with the job's own help hint.
  const message = jobMessageFromFlags(job, values, 'cli');
  if (values.input?.length) message.inputs = values.input;
  if (values['run-id']) message.runId = values['run-id'];
  const workers = parseCount('--workers', values.workers);
  if (workers === 0) throw new ConfigError('--workers must be at least 1.');
  // So do inputs that are missing or match nothing: checked with the files the run would read.
  await checkStartInputs(job, message, localInputFiles(io.cwd));

  // The largest buffer any stage may hold sizes the worker heaps.
  const stageBudgets = job.stages.map(
    (s) => (s.def as { memoryBudgetBytes?: number }).memoryBudgetBytes ?? 0,
  );
  const budget = message.memoryBudgetBytes ?? Math.max(DEFAULTS.memoryBudgetBytes, ...stageBudgets);
  return superviseRun(session, common, io, workers, (runtime) => runtime.submit(message), budget);
}

export function jobHelp(job: Job): string {
  const lines = [`Usage: cloudreduce run ${job.name} [--param NAME=VALUE]... [options]`, ''];
  if (job.description) lines.push(job.description, '');
  lines.push(`Stages: ${job.stages.map((s) => s.name).join(' → ')}`, '');
  const params = Object.entries(job.params);
  if (params.length === 0) lines.push('This job takes no params.');
  else {
    lines.push('Params:');
    for (const [name, spec] of params) {
      lines.push(`  ${name.padEnd(18)} ${spec.description ?? ''} (${describeSpec(spec)})`);
    }
  }
  lines.push('', 'Run `cloudreduce run --help` for the general options.');
  return lines.join('\n');
}
