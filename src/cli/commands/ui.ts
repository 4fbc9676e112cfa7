// `cloudreduce ui`: the status pages in a browser, over the same state `status` reads.

import { mkdirSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';
import { loadJobs, userJobModules } from '../../runtime/job-modules.ts';
import { LocalResumer } from '../../ui/local-resume.ts';
import { startUi, type UiSource } from '../../ui/server.ts';
import { commonOptions, parse, parseCount } from '../args.ts';
import { loadPrices } from '../cost.ts';
import type { CliIo } from '../session.ts';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { openRunSource } from '../run-source.ts';

export const UI_HELP = `Usage: cloudreduce ui [--port N] [--host HOST] [--data-dir DIR] [--jobs MODULE]... [--prices FILE]
       cloudreduce ui --dev | --project ID [--namespace NS] [--database DB]

Serves the status pages on http://127.0.0.1:PORT (default 4780): the runs, newest first and
filterable; a run's stages, progress, counters, error and cost; a timeline of its task attempts;
each task's attempts, slices, checkpoint and output objects; abort and resume buttons.

Reads what \`cloudreduce status\` reads: DATA_DIR, the dev cloud (--dev) or a deployed project's
Datastore (--project, application default credentials). Nothing is deployed or made public; the
server listens on the loopback interface unless --host says otherwise. Resume is offered for
local runs (it runs \`cloudreduce resume\` in a child process); cloud runs are resumed by the
sweeper. Prices: --prices FILE or env CLOUDREDUCE_PRICES (docs/ui.md). Stop with Ctrl-C.`;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
export const DEFAULT_UI_PORT = 4780;

export async function uiCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ui', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    dev: { type: 'boolean' },
    project: { type: 'string' },
    namespace: { type: 'string' },
    database: { type: 'string' },
    prices: { type: 'string' },
  });
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(UI_HELP);
    return 0;
  }
  if (positionals.length)
    throw new ConfigError(
      `cloudreduce ui takes no arguments; got "${positionals.join(' ')}". See cloudreduce ui --help.`,
    );
  const port = parseCount('--port', values.port) ?? DEFAULT_UI_PORT;
  if (port > 65535) throw new ConfigError(`--port must be 0-65535, got ${port}.`);
  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    io.err(
      `warning: --host ${host} makes the status pages (and their abort button) reachable from other machines; ` +
        'they have no login. Use the default 127.0.0.1 unless this network is yours alone.',
    );
  const prices = loadPrices(values.prices, io.env, io.cwd);
  const local = !values.dev && values.project === undefined;
  // A directory with no runs yet: the pages say so, and show the runs started after.
  if (local) mkdirSync(common.dataDir, { recursive: true });
  // Unlike status, the pages open (and so create) a local state store with no runs yet: they show
  // the runs started after. The server prints which directory it reads, so a typo shows.
  const { state, where } = local
    ? { state: new SqliteStateStore(localPaths(common.dataDir).state), where: common.dataDir }
    : await openRunSource(values, common.dataDir, io.env).then((source) => ({
        state: source.state!,
        where: source.where,
      }));
  const userModules = userJobModules(common.jobModules, io.env, io.cwd);
  const resumer = local ? new LocalResumer(common.dataDir, userModules, io.cwd, io.env) : undefined;
  const source: UiSource = {
    state,
    where,
    jobs: await loadJobs(userModules),
    prices,
    ...(resumer
      ? { resume: (runId: string) => resumer.resume(runId) }
      : { resumeUnavailable: `Runs in ${where} are resumed by the sweeper, not from here.` }),
  };
  const server = await startUi(source, { host, port });
  io.out(`cloudreduce ui: ${server.url} (reading ${where}). Stop with Ctrl-C.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await resumer?.close();
  await state.close?.();
  return 0;
}
