// `cloudreduce` command dispatch. Each command lives in commands/<name>.ts with its own --help.

import { isPermanent } from '../core/errors.ts';
import { ABORT_HELP, abortCommand } from './commands/abort.ts';
import { DEMO_HELP, demoCommand } from './commands/demo.ts';
import { DEV_HELP, devCommand } from './commands/dev.ts';
import { INGEST_HELP, ingestCommand } from './commands/ingest.ts';
import { INIT_HELP, initCommand } from './commands/init.ts';
import { JOBS_HELP, jobsCommand } from './commands/jobs.ts';
import { PACKAGE_HELP, packageCommand } from './commands/package.ts';
import { QUERY_HELP, queryCommand } from './commands/query.ts';
import { RESUME_HELP, resumeCommand } from './commands/resume.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import { STATUS_HELP, statusCommand } from './commands/status.ts';
import { SUBMIT_HELP, submitCommand } from './commands/submit.ts';
import type { CliIo } from './session.ts';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  run: { run: runCommand, help: RUN_HELP, summary: 'run a job locally with a progress bar' },
  status: { run: statusCommand, help: STATUS_HELP, summary: 'list runs, or show one run in detail' },
  resume: { run: resumeCommand, help: RESUME_HELP, summary: 'continue an interrupted run' },
  abort: { run: abortCommand, help: ABORT_HELP, summary: 'stop a running run' },
  jobs: { run: jobsCommand, help: JOBS_HELP, summary: 'list the registered jobs and their params' },
  query: { run: queryCommand, help: QUERY_HELP, summary: 'SQL on the local warehouse' },
  ingest: { run: ingestCommand, help: INGEST_HELP, summary: 'store NDJSON or CSV records as local entities' },
  demo: {
    run: demoCommand,
    help: DEMO_HELP,
    summary: 'tweet-analytics on a generated sample (npm start); --wordcount for wordcount',
  },
  dev: { run: devCommand, help: DEV_HELP, summary: 'start the emulated cloud here (emulators + functions)' },
  submit: { run: submitCommand, help: SUBMIT_HELP, summary: 'start a job in the dev cloud or a project' },
  package: { run: packageCommand, help: PACKAGE_HELP, summary: 'build the function archive to deploy' },
  init: { run: initCommand, help: INIT_HELP, summary: 'start a project: example job, test, terraform' },
};

export const MAIN_HELP = `Usage: cloudreduce COMMAND [options]

Serverless MapReduce for Google Cloud: write a job once, run it here, deploy it with terraform.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run \`cloudreduce COMMAND --help\` for a command's options.`;

export function defaultIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    progressStream: process.stderr,
  };
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(MAIN_HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(
      `Unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. See cloudreduce --help.`,
    );
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const e = err as Error;
    if (isPermanent(err)) io.err(`error: ${e.message}`);
    else io.err(`error: ${e.stack ?? e.message}`);
    return isPermanent(err) ? 2 : 1;
  }
}
