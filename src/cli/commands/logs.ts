// `cloudreduce logs RUN_ID [TASK_ID]`: what the engine logged about a run (or one task), oldest
// first. Locally from the run's log file (<data-dir>/logs/<runId>.ndjson, written by the local
// runtime); with --dev from the dev cloud's function logs (<data-dir>/function-logs/); with
// --project from Cloud Logging, filtered on the runId/taskId labels the functions' entries carry.

import { ConfigError } from '../../core/errors.ts';
import { formatLogEntry, type LogEntryView } from '../../cloud/log-entry.ts';
import { readRunLog } from '../../runtime/run-log.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { noRunsYet } from '../local-state.ts';
import { openRunSource, TARGET_OPTIONS, type RunSource } from '../run-source.ts';
import type { CliIo } from '../session.ts';

export const LOGS_HELP = `Usage: cloudreduce logs RUN_ID [TASK_ID] [--data-dir DIR] [--json] [--stack]
       cloudreduce logs RUN_ID [TASK_ID] --dev | --project ID [--limit N]

The log entries about a run, oldest first: its start, phase changes, retries, failures and
their reasons. With TASK_ID (e.g. s0-map-00003, from \`cloudreduce status RUN_ID\`) only that
task's entries.

Where they come from:
  (default)    the run's log file, DATA_DIR/logs/RUN_ID.ndjson, written by \`cloudreduce run\`
  --dev        the functions of the running dev cloud (DATA_DIR/function-logs/)
  --project ID Cloud Logging of that project (application default credentials with
               roles/logging.viewer), filtered on the entries' runId and taskId labels

Options:
  --limit N    at most the last N entries (default 1000)
  --stack      print the stack trace under an entry that has one
  --json       the entries as JSON`;

export async function logsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'logs',
    argv,
    { limit: { type: 'string' }, stack: { type: 'boolean' }, ...TARGET_OPTIONS },
    ['RUN_ID', 'TASK_ID'],
  );
  const common = commonOptions(values, io.env);
  const [runId, taskId] = positionals;
  if (common.help || !runId) {
    io.out(LOGS_HELP);
    return common.help ? 0 : 2;
  }
  const limit = parseCount('--limit', values.limit) ?? 1000;
  if (limit === 0) throw new ConfigError('--limit must be at least 1.');
  const source = await openRunSource(values, common.dataDir, io.env);
  try {
    const entries = (await readEntries(source, values.project, runId, taskId)).slice(-limit);
    if (common.json) io.out(JSON.stringify(entries, null, 2));
    else if (!entries.length)
      io.out(`No log entries for ${taskId ? `task ${taskId} of ` : ''}run ${runId} in ${source.where}.`);
    else io.out(entries.map((e) => formatLogEntry(e, Boolean(values.stack))).join('\n'));
    return 0;
  } finally {
    await source.close();
  }
}

async function readEntries(
  source: RunSource,
  project: string | undefined,
  runId: string,
  taskId: string | undefined,
): Promise<LogEntryView[]> {
  const run = await source.state?.getRun(runId);
  if (!run) {
    if (source.kind === 'local' && !source.state)
      throw new ConfigError(`No run "${runId}": ${noRunsYet(source.dataDir)}.`);
    throw new ConfigError(
      `No run "${runId}" in ${source.where}. List runs with: cloudreduce status${source.flags}`,
    );
  }
  if (source.kind === 'local') {
    const entries = readRunLog(source.dataDir, runId, taskId);
    if (!entries)
      throw new ConfigError(
        `Run ${runId} has no log file in ${source.dataDir}/logs (it ran with a cloudreduce that did not write run logs).`,
      );
    return entries.map((e) => ({
      time: e.time,
      severity: e.severity,
      message: e.message,
      ...(e.taskId ? { taskId: e.taskId } : {}),
      ...(typeof (e.error as { stack?: unknown } | undefined)?.stack === 'string'
        ? { stack: (e.error as { stack: string }).stack }
        : {}),
    }));
  }
  if (source.kind === 'dev') {
    const { readFunctionLogs } = await import('../../cloud/function-logs.ts');
    return readFunctionLogs(source.dataDir, runId, taskId) ?? [];
  }
  const { adcRequest, listRunEntries } = await import('../../cloud/cloud-logs.ts');
  return listRunEntries(await adcRequest(project!), {
    project: project!,
    runId,
    ...(taskId !== undefined ? { taskId } : {}),
    // A minute of slack for clocks: entries before the run was created are not about it.
    since: new Date(Date.parse(run.createdAt) - 60_000).toISOString(),
    limit: 1000,
  });
}
