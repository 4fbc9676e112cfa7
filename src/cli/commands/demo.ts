// `cloudreduce demo` (what `npm start` runs): the main job on an embedded sample, no cloud, no
// setup. Writes a deterministic sample corpus once, runs wordcount on it, prints the top words.

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDbWarehouse } from '../../adapters/local/duckdb-warehouse.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { writeZipfText } from '../../samples/zipf-text.ts';
import { commonOptions, parse } from '../args.ts';
import { table } from '../report.ts';
import { openCli, type CliIo } from '../session.ts';
import { superviseRun } from './supervise.ts';

export const DEMO_HELP = `Usage: cloudreduce demo [--data-dir DIR]

Runs the built-in wordcount job on a generated sample corpus (8 files, ~16 MB, written once to
DIR/samples) with the local runtime, then prints the ten most frequent words from the local
warehouse. Nothing to install or configure.`;

export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('demo', argv, {});
  const common = commonOptions(values, io.env);
  if (common.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const samples = join(localPaths(common.dataDir).root, 'samples');
  mkdirSync(samples, { recursive: true });
  for (let i = 0; i < 8; i++) {
    const path = join(samples, `corpus-${i}.txt`);
    if (!existsSync(path)) await writeZipfText(path, { bytes: 2 * 1024 * 1024, seed: 100 + i });
  }
  const session = await openCli(common, io, 'wordcount');
  const code = await superviseRun(session, common, io, undefined, (runtime) =>
    runtime.submit({ job: 'wordcount', origin: 'demo', inputs: [resolve(samples, 'corpus-*.txt')] }),
  );
  if (code !== 0) return code;
  const warehouse = new DuckDbWarehouse({
    path: localPaths(common.dataDir).warehouse,
    resolveSource: (n) => n,
  });
  try {
    const top = await warehouse.query('SELECT word, count FROM wordcount ORDER BY count DESC, word LIMIT 10');
    io.out(
      `\ntop words:\n${table(top)}\n\nQuery it yourself: npx cloudreduce query "SELECT * FROM wordcount ORDER BY count DESC LIMIT 20"`,
    );
  } finally {
    await warehouse.close?.();
  }
  return 0;
}
