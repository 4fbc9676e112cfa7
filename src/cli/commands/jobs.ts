// `cloudreduce jobs`: the jobs this installation knows, where each comes from, its stages and params.

import { describeSpec } from '../../core/params.ts';
import { commonOptions, parse } from '../args.ts';
import { openCli, type CliIo } from '../session.ts';

export const JOBS_HELP = `Usage: cloudreduce jobs [--jobs MODULE]... [--json]

Lists the registered jobs: the built-in ones and those from your modules (--jobs, the
CLOUDREDUCE_JOBS environment variable, or "cloudreduce": {"jobs": [...]} in package.json).`;

export async function jobsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('jobs', argv, {}, []);
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(JOBS_HELP);
    return 0;
  }
  const { jobs } = await openCli(common, io);
  const list = jobs.list();
  if (common.json) {
    io.out(
      JSON.stringify(
        list.map(({ job, module }) => ({
          name: job.name,
          description: job.description,
          module,
          stages: job.stages.map((s) => s.name),
          params: Object.keys(job.params),
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  // The name column is as wide as the longest name, so every description starts in one column.
  const width = Math.max(0, ...list.map(({ job }) => job.name.length));
  for (const { job, module } of list) {
    const from = module ?? 'built-in';
    io.out(`${job.name.padEnd(width)}  ${job.description}`);
    io.out(`${''.padEnd(width)}  stages: ${job.stages.map((s) => s.name).join(' → ')}; from ${from}`);
    for (const [name, spec] of Object.entries(job.params))
      io.out(`${''.padEnd(width)}    --param ${name}=… ${describeSpec(spec)}`);
  }
  return 0;
}
