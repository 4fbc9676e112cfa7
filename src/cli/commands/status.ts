// `cloudreduce status [RUN_ID]`: the runs, newest first; or one run in detail: per-task state,
// attempts, counters and errors. Reads the local state store, or with --dev / --project the
// Datastore state the cloud functions write. --watch redraws until the run ends.

import { ConfigError } from '../../core/errors.ts';
import type { RunRecord } from '../../core/records.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { costLines, costOf, loadPrices } from '../cost.ts';
import { intermediatesLines } from '../intermediates.ts';
import { noRunsYet } from '../local-state.ts';
import { openRunSource, TARGET_OPTIONS, type RunSource } from '../run-source.ts';
import type { CliIo } from '../session.ts';
import { runDetailText, runListText } from '../status-view.ts';
import { watchText } from '../watch.ts';

export const STATUS_HELP = `Usage: cloudreduce status [RUN_ID] [--limit N] [--watch] [--data-dir DIR] [--json] [--prices FILE]
       cloudreduce status [RUN_ID] --dev | --project ID [--namespace NS] [--database DB]

Without RUN_ID: the latest runs, newest first. With RUN_ID: the run's phase, counters,
outputs and every task with its state, attempts, slices and last error. A local run that is
RUNNING but that no process runs any more (killed, Ctrl-C) shows as interrupted, with the
command that resumes it.

Runs of \`cloudreduce run\` are read from DATA_DIR. --dev reads the running dev cloud
(\`cloudreduce dev\`); --project reads a deployed project's Datastore (application default
credentials; namespace and database default to env CLOUDREDUCE_DATASTORE_NAMESPACE/_DATABASE).

Options:
  --watch             redraw every --interval seconds until the run ends (exit 0 when it is
                      DONE, 1 when FAILED, ABORTED or REJECTED); without RUN_ID, until no run
                      in the list is RUNNING
  --interval SECONDS  how often --watch reads the state (default 2)
  --limit N           runs to list (default 20)
  --json              the run record(s) as JSON
  --prices FILE       price table for the cost (JSON; default: src/core/prices.ts, or env
                      CLOUDREDUCE_PRICES)

With RUN_ID it also prints the run's cost: the requests and function time it used, measured,
at the prices of the price table (docs/ui.md).`;

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'status',
    argv,
    {
      limit: { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      prices: { type: 'string' },
      ...TARGET_OPTIONS,
    },
    ['RUN_ID'],
  );
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  if (values.watch && common.json) throw new ConfigError('--watch redraws text; use it without --json.');
  const intervalMillis = (parseCount('--interval', values.interval) ?? 2) * 1000;
  if (intervalMillis === 0) throw new ConfigError('--interval must be at least 1 second.');
  const limit = parseCount('--limit', values.limit) ?? 20;
  const source = await openRunSource(values, common.dataDir, io.env);
  try {
    const runId = positionals[0];
    if (!runId) {
      if (!source.state) {
        io.out(`N${noRunsYet(common.dataDir).slice(1)}.`);
        return 0;
      }
      const state = source.state;
      const list = async () => {
        const runs = await state.listRuns({ limit });
        return { text: runListText(runs, source), done: !runs.some((r) => isLive(r, source)) };
      };
      if (values.watch) {
        await watchText(io, list, intervalMillis);
        return 0;
      }
      if (common.json) io.out(JSON.stringify(await state.listRuns({ limit }), null, 2));
      else io.out((await list()).text);
      return 0;
    }
    if (!source.state) throw new ConfigError(`No run "${runId}": ${noRunsYet(common.dataDir)}.`);
    const state = source.state;
    const prices = loadPrices(values.prices, io.env, io.cwd);
    const detail = async () => {
      const run = await state.getRun(runId);
      if (!run)
        throw new ConfigError(
          `No run "${runId}" in ${source.where}. List runs with: cloudreduce status${source.flags}`,
        );
      const tasks = await state.listTasks(runId);
      // What the run used, measured, at the price table's prices (docs/ui.md).
      // A stopped local run's kept intermediates: their size and how to free them.
      const kept = source.kind === 'local' ? await intermediatesLines(source.dataDir, run) : [];
      const detailText = [runDetailText(run, tasks, source), ...kept].join('\n');
      const text = `${detailText}\n\n${costLines(costOf(run, tasks, prices))}`;
      return { run, tasks, text, done: !isLive(run, source) };
    };
    if (values.watch) {
      const last = await watchText(io, detail, intervalMillis);
      return last.run.status === 'DONE' ? 0 : 1; // FAILED, ABORTED, REJECTED, or interrupted
    }
    const { run, tasks, text } = await detail();
    io.out(common.json ? JSON.stringify({ run, tasks }, null, 2) : text);
    return 0;
  } finally {
    await source.close();
  }
}

/** Still worth watching: RUNNING and (locally) held by a process; an interrupted run will not move. */
function isLive(run: RunRecord, source: RunSource): boolean {
  return run.status === 'RUNNING' && !source.running(run).startsWith('interrupted');
}
