// `cloudreduce query "SQL"`: reads the local warehouse (DuckDB), where table outputs land; with
// --dev the BigQuery fake of the running dev cloud, with --project BigQuery in a deployed project.

import { existsSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';
import { DuckDbWarehouse } from '../../adapters/local/duckdb-warehouse.ts';
import type { Row } from '../../ports/warehouse.ts';
import { localPaths } from '../../runtime/local-adapters.ts';
import { commonOptions, parse } from '../args.ts';
import { devTarget } from '../dev-target.ts';
import { table } from '../report.ts';
import type { CliIo } from '../session.ts';

export const QUERY_HELP = `Usage: cloudreduce query "SQL" [--json] [--data-dir DIR]
       cloudreduce query "SQL" --dev [--dataset DATASET] [--json] [--data-dir DIR]
       cloudreduce query "SQL" --project ID [--dataset DATASET] [--json]

Runs SQL on the tables that jobs' table outputs are loaded into and prints the rows.
  (default)     the local warehouse of \`cloudreduce run\` (DuckDB dialect), in DATA_DIR
  --dev         the BigQuery fake of the running \`cloudreduce dev\` (found through DATA_DIR/dev.json)
  --project ID  BigQuery in a deployed project (standard SQL; application default credentials:
                gcloud auth application-default login)
With --dev or --project, table names without a dataset resolve in the dataset the functions load
into: the dev cloud's, or --dataset (default: env CLOUDREDUCE_BIGQUERY_DATASET, else cloudreduce).
Examples:
  cloudreduce query "SELECT word, count FROM wordcount ORDER BY count DESC LIMIT 10"
  cloudreduce query "SELECT count(*) AS words FROM wordcount" --dev
  cloudreduce query "SELECT count(*) AS words FROM wordcount" --project my-project`;

export async function queryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('query', argv, {
    dev: { type: 'boolean' },
    project: { type: 'string' },
    dataset: { type: 'string' },
  });
  const common = commonOptions(values, io.env);
  const sql = positionals.join(' ').trim();
  if (common.help || !sql) {
    io.out(QUERY_HELP);
    return common.help ? 0 : 2;
  }
  if (values.dev && values.project !== undefined)
    throw new ConfigError('Use either --dev or --project ID, not both.');
  if (values.dataset !== undefined && !values.dev && values.project === undefined)
    throw new ConfigError(
      '--dataset needs --dev or --project ID; the local warehouse has no datasets (see `cloudreduce query --help`).',
    );
  const rows =
    values.dev || values.project !== undefined
      ? await queryBigQuery(sql, await bigQueryTarget(values, common.dataDir, io.env))
      : await queryLocal(sql, common.dataDir);
  io.out(common.json ? JSON.stringify(rows, null, 2) : table(rows));
  return 0;
}

async function queryLocal(sql: string, dataDir: string): Promise<Row[]> {
  const paths = localPaths(dataDir);
  if (!existsSync(paths.warehouse)) {
    throw new ConfigError(
      `No local warehouse at ${paths.warehouse} yet: run a job with a table output first (e.g. npm start).`,
    );
  }
  const warehouse = new DuckDbWarehouse({ path: paths.warehouse, resolveSource: (n) => n });
  try {
    return await warehouse.query(sql);
  } finally {
    await warehouse.close?.();
  }
}

interface BigQueryTarget {
  /** For messages: "the dev cloud" or "project my-project". */
  label: string;
  /** The flag that names the target again, for the commands messages suggest. */
  flag: string;
  projectId: string;
  dataset: string;
  location?: string;
  apiEndpoint?: string;
}

async function bigQueryTarget(
  values: { dev?: boolean; project?: string; dataset?: string },
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<BigQueryTarget> {
  const { CLOUD_ENV } = await import('../../cloud/config.ts');
  const { check } = await import('../../cloud/names.ts');
  let target: BigQueryTarget;
  if (values.dev) {
    const { state, config } = await devTarget(dataDir, env);
    target = {
      label: 'the dev cloud',
      flag: '--dev',
      projectId: config.projectId,
      dataset: values.dataset ?? config.bigquery.dataset,
      location: config.bigquery.location,
      apiEndpoint: state.bigqueryEndpoint,
    };
  } else {
    const location = env[CLOUD_ENV.bigqueryLocation.name]?.trim();
    target = {
      label: `project ${values.project}`,
      flag: `--project ${values.project}`,
      projectId: values.project!,
      dataset:
        values.dataset ?? (env[CLOUD_ENV.bigqueryDataset.name]?.trim() || CLOUD_ENV.bigqueryDataset.default),
      // Unset: BigQuery runs the query where the dataset is.
      ...(location ? { location } : {}),
    };
  }
  const problems = [
    ...(values.project !== undefined ? [['--project', 'project', target.projectId] as const] : []),
    ['--dataset', 'dataset', target.dataset] as const,
  ].flatMap(([flag, kind, value]) => {
    const problem = check(kind, value);
    return problem ? [`${flag} ${JSON.stringify(value)}: ${problem}`] : [];
  });
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return target;
}

async function queryBigQuery(sql: string, target: BigQueryTarget): Promise<Row[]> {
  // The cloud side loads the Google Cloud client: only for --dev and --project.
  const { BigQuery } = await import('@google-cloud/bigquery');
  const { normalizeRow, WRAP_INTEGERS } = await import('../../adapters/gcp/bigquery-values.ts');
  const bq = new BigQuery({
    projectId: target.projectId,
    ...(target.location ? { location: target.location } : {}),
    ...(target.apiEndpoint ? { apiEndpoint: target.apiEndpoint } : {}),
  });
  try {
    const [rows] = await bq.query({
      query: sql,
      defaultDataset: { projectId: target.projectId, datasetId: target.dataset },
      ...(target.location ? { location: target.location } : {}),
      wrapIntegers: WRAP_INTEGERS,
    });
    return (rows as Row[]).map(normalizeRow);
  } catch (err) {
    throw await queryFailure(err, target, (dataset) =>
      bq
        .dataset(dataset)
        .getTables({ maxResults: 100, autoPaginate: false })
        .then(([tables, next]) => [...tables.map((t) => t.id!), ...(next ? ['…'] : [])]),
    );
  }
}

/** What went wrong, and what to do about it; an unknown table lists the tables there are. */
async function queryFailure(
  err: unknown,
  target: BigQueryTarget,
  listTables: (dataset: string) => Promise<string[]>,
): Promise<Error> {
  const { httpStatus } = await import('../../adapters/gcp/backend-errors.ts');
  const message = err instanceof Error ? err.message : String(err);
  const status = httpStatus(err);
  const missingTable = /Not found: Table [^:\s]+:([^.\s]+)\.(\S+) was not found/.exec(message);
  if (status === 404 && missingTable) {
    const [, dataset, name] = missingTable as unknown as [string, string, string];
    const tables = await listTables(dataset).catch(() => undefined);
    if (tables === undefined) return new ConfigError(`${message}.`, { cause: err });
    const where = `No table "${name}" in dataset ${dataset} of ${target.label}`;
    return new ConfigError(
      tables.length
        ? `${where}. Its tables: ${tables.join(', ')}.`
        : `${where}, which has no tables yet: a job with a table output creates its table when it ` +
            `finishes (cloudreduce submit JOB${target.flag === '--dev' ? '' : ` ${target.flag}`}).`,
      { cause: err },
    );
  }
  const missingDataset = /Not found: Dataset [^:\s]+:([^\s]+?)(?: was not found|$)/.exec(message);
  if (status === 404 && missingDataset) {
    return new ConfigError(
      `Dataset ${missingDataset[1]} does not exist in ${target.label}. ` +
        (target.flag === '--dev'
          ? 'Name the dataset in the query or with --dataset, or leave both out to use the dev cloud’s.'
          : 'Name the dataset your deployment loads tables into with --dataset ' +
            '(default: env CLOUDREDUCE_BIGQUERY_DATASET, else cloudreduce).'),
      { cause: err },
    );
  }
  if (status === 401 || status === 403 || /Could not load the default credentials/.test(message)) {
    return new ConfigError(
      `Not allowed to query BigQuery in ${target.label}: ${message}. Log in with ` +
        '`gcloud auth application-default login` as someone with roles/bigquery.jobUser on the ' +
        'project and roles/bigquery.dataViewer on the dataset.',
      { cause: err },
    );
  }
  if (status === 400 || status === 404) {
    const where = `${target.projectId}.${target.dataset}`;
    return new ConfigError(`Query on BigQuery dataset ${where} failed: ${message}`, { cause: err });
  }
  if (/\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)\b/.test(message))
    return new ConfigError(
      target.flag === '--dev'
        ? `The dev cloud's BigQuery fake at ${target.apiEndpoint} does not answer (${message}). Restart \`cloudreduce dev\`.`
        : `Cannot reach BigQuery for ${target.label} (${message}). Check the network connection and any proxy settings.`,
      { cause: err },
    );
  return err instanceof Error ? err : new Error(message);
}
