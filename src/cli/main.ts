// `cloudreduce` command dispatch. Each command lives in commands/<name>.ts with its own --help and
// is imported only when it runs: `cloudreduce --help` or a typo should not pay for loading DuckDB,
// SQLite and the Google Cloud clients that some command somewhere needs.

import { readFileSync } from 'node:fs';
import { isPermanent } from '../core/errors.ts';
import { didYouMean } from './args.ts';
import type { CliIo } from './session.ts';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

interface CommandModule {
  run: Command;
  help: string;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

const COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: 'run a job locally with a progress bar',
    load: () => import('./commands/run.ts').then((m) => ({ run: m.runCommand, help: m.RUN_HELP })),
  },
  status: {
    summary: 'list runs, or show one run in detail (--watch redraws it)',
    load: () => import('./commands/status.ts').then((m) => ({ run: m.statusCommand, help: m.STATUS_HELP })),
  },
  resume: {
    summary: 'continue an interrupted or failed run',
    load: () => import('./commands/resume.ts').then((m) => ({ run: m.resumeCommand, help: m.RESUME_HELP })),
  },
  abort: {
    summary: 'stop a running run',
    load: () => import('./commands/abort.ts').then((m) => ({ run: m.abortCommand, help: m.ABORT_HELP })),
  },
  discard: {
    summary: 'give up a failed run and delete the intermediates it keeps for resume',
    load: () =>
      import('./commands/discard.ts').then((m) => ({ run: m.discardCommand, help: m.DISCARD_HELP })),
  },
  jobs: {
    summary: 'list the registered jobs and their params',
    load: () => import('./commands/jobs.ts').then((m) => ({ run: m.jobsCommand, help: m.JOBS_HELP })),
  },
  query: {
    summary: 'SQL on the local warehouse',
    load: () => import('./commands/query.ts').then((m) => ({ run: m.queryCommand, help: m.QUERY_HELP })),
  },
  ingest: {
    summary: 'store NDJSON or CSV records as local entities',
    load: () => import('./commands/ingest.ts').then((m) => ({ run: m.ingestCommand, help: m.INGEST_HELP })),
  },
  demo: {
    summary: 'tweet-analytics on a generated sample (npm start); --wordcount for wordcount',
    load: () => import('./commands/demo.ts').then((m) => ({ run: m.demoCommand, help: m.DEMO_HELP })),
  },
  dev: {
    summary: 'start the emulated cloud here (emulators + functions)',
    load: () => import('./commands/dev.ts').then((m) => ({ run: m.devCommand, help: m.DEV_HELP })),
  },
  logs: {
    summary: 'what a run logged: local runs, the dev cloud or Cloud Logging',
    load: () => import('./commands/logs.ts').then((m) => ({ run: m.logsCommand, help: m.LOGS_HELP })),
  },
  submit: {
    summary: 'start a job in the dev cloud or a project',
    load: () => import('./commands/submit.ts').then((m) => ({ run: m.submitCommand, help: m.SUBMIT_HELP })),
  },
  ui: {
    summary: 'status pages in a browser: runs, timeline, cost, abort',
    load: () => import('./commands/ui.ts').then((m) => ({ run: m.uiCommand, help: m.UI_HELP })),
  },
  package: {
    summary: 'build the function archive to deploy',
    load: () =>
      import('./commands/package.ts').then((m) => ({ run: m.packageCommand, help: m.PACKAGE_HELP })),
  },
  init: {
    summary: 'start a project: example job, its test, terraform',
    load: () => import('./commands/init.ts').then((m) => ({ run: m.initCommand, help: m.INIT_HELP })),
  },
};

export const MAIN_HELP = `Usage: cloudreduce COMMAND [options]

Serverless MapReduce for Google Cloud: write a job once, run it here, deploy it with terraform.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run \`cloudreduce help COMMAND\` (or \`cloudreduce COMMAND --help\`) for a command's options,
\`cloudreduce --version\` for the version.`;

export function defaultIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    progressStream: process.stderr,
    outTty: Boolean(process.stdout.isTTY),
    columns: () => process.stdout.columns,
    rows: () => process.stdout.rows,
  };
}

/** The version of the installed package (package.json next to src/, or next to dist/ when compiled). */
export function packageVersion(): string {
  const path = import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json';
  const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h') {
      io.out(MAIN_HELP);
      return name ? 0 : 2;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      io.out(`cloudreduce ${packageVersion()}`);
      return 0;
    }
    if (name === 'help') return await help(rest, io);
    const command = COMMANDS[name];
    if (!command) {
      io.err(unknownCommand(name));
      return 2;
    }
    return await (await command.load()).run(rest, io);
  } catch (err) {
    const e = err as Error;
    if (isPermanent(err)) io.err(`error: ${e.message}`);
    else io.err(`error: ${e.stack ?? e.message}`);
    return isPermanent(err) ? 2 : 1;
  }
}

async function help(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...extra] = args;
  if (!name) {
    io.out(MAIN_HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command || extra.length) {
    io.err(command ? `help takes one command; got ${args.join(' ')}.` : unknownCommand(name));
    return 2;
  }
  io.out((await command.load()).help);
  return 0;
}

function unknownCommand(name: string): string {
  const names = Object.keys(COMMANDS);
  const near = didYouMean(name, names);
  return (
    `Unknown command "${name}".${near ? ` Did you mean ${near}?` : ''} ` +
    `Commands: ${names.join(', ')}. See cloudreduce --help.`
  );
}
