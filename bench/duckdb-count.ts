// The SQL reference of issue #12: DuckDB's word count on the same input and the same number of
// cores as the engine's two workers. Lines are read with DuckDB's parallel CSV reader as one
// VARCHAR column (a delimiter and no quote the text never has); the word rule is the job's:
// maximal runs of [A-Za-z0-9], lowercased after matching (lowercasing first would turn some
// non-ASCII letters into ASCII ones). Writes word → count as JSON, like the hand loop.
// Usage: node bench/duckdb-count.ts INPUT COUNTS_JSON [THREADS]

import { writeFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';

export function wordCountSql(input: string): string {
  const file = input.replaceAll("'", "''");
  return (
    `SELECT word, count(*)::BIGINT AS n FROM (` +
    `SELECT lower(unnest(regexp_extract_all(line, '[A-Za-z0-9]+'))) AS word ` +
    `FROM read_csv('${file}', columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f', ` +
    `quote = '', escape = '', auto_detect = false, strict_mode = false)` +
    `) GROUP BY word`
  );
}

const [input, countsFile, threads = '2'] = process.argv.slice(2);
if (!input || !countsFile) throw new Error('Usage: node bench/duckdb-count.ts INPUT COUNTS_JSON [THREADS]');
const db = await DuckDBInstance.create(':memory:', { threads });
const connection = await db.connect();
const reader = await connection.runAndReadAll(wordCountSql(input));
const counts: Record<string, number> = {};
for (const [word, n] of reader.getRows()) counts[String(word)] = Number(n);
connection.closeSync();
await writeFile(countsFile, JSON.stringify(counts));
