// `cloudreduce query "SQL"`: reads the local warehouse (DuckDB), where table outputs land.

import { existsSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';
import { DuckDbWarehouse } from '../../adapters/local/duckdb-warehouse.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse } from '../args.ts';
import { table } from '../report.ts';
import type { CliIo } from '../session.ts';

export const QUERY_HELP = `Usage: cloudreduce query "SQL" [--json] [--data-dir DIR]

Runs SQL (DuckDB dialect) on the local warehouse, where jobs' table outputs are loaded.
Example: cloudreduce query "SELECT word, count FROM wordcount ORDER BY count DESC LIMIT 10"`;

export async function queryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('query', argv, {});
  const common = commonOptions(values, io.env);
  const sql = positionals.join(' ').trim();
  if (common.help || !sql) {
    io.out(QUERY_HELP);
    return common.help ? 0 : 2;
  }
  const paths = localPaths(common.dataDir);
  if (!existsSync(paths.warehouse)) {
    throw new ConfigError(
      `No local warehouse at ${paths.warehouse} yet: run a job with a table output first (e.g. npm start).`,
    );
  }
  const warehouse = new DuckDbWarehouse({ path: paths.warehouse, resolveSource: (n) => n });
  try {
    const rows = await warehouse.query(sql);
    io.out(common.json ? JSON.stringify(rows, null, 2) : table(rows));
    return 0;
  } finally {
    await warehouse.close?.();
  }
}
