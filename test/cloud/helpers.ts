// Shared by the cloud end-to-end test: wait for a run in Datastore, read a table back from the
// BigQuery fake, and put rows into one comparable order.

import { BigQuery } from '@google-cloud/bigquery';
import { DatastoreEntityStore } from '../../src/adapters/gcp/datastore-entity-store.ts';
import { DatastoreStateStore } from '../../src/adapters/gcp/datastore-state-store.ts';
import type { DevCloud } from '../../src/cloud/dev-cloud.ts';
import type { RunRecord } from '../../src/core/records.ts';
import type { Entity, EntityStore } from '../../src/ports/entity-store.ts';

export function stateStoreOf(cloud: DevCloud): DatastoreStateStore {
  const { config } = cloud;
  return new DatastoreStateStore({
    projectId: config.projectId,
    apiEndpoint: config.datastore.apiEndpoint!,
    ...(config.datastore.namespace ? { namespace: config.datastore.namespace } : {}),
  });
}

/** Polls until the run exists and has left RUNNING; fails with its last state on timeout. */
export async function waitForRun(
  state: DatastoreStateStore,
  runId: string,
  timeoutMillis: number,
  describe: () => string = () => '',
): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMillis;
  let run: RunRecord | undefined;
  while (Date.now() < deadline) {
    run = await state.getRun(runId);
    if (run && run.status !== 'RUNNING') return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const tasks = run ? await state.listTasks(runId) : [];
  throw new Error(
    `run ${runId} did not finish within ${timeoutMillis} ms; last seen: ${JSON.stringify(run)}\n` +
      `tasks: ${tasks.map((t) => `${t.taskId}=${t.state}/a${t.attempt}`).join(' ')}\n${describe()}`,
  );
}

export interface WordCountRow {
  word: string;
  count: number;
}

export async function readWordCounts(cloud: DevCloud, table: string): Promise<WordCountRow[]> {
  const { config } = cloud;
  const bq = new BigQuery({ projectId: config.projectId, apiEndpoint: config.bigquery.apiEndpoint! });
  const [rows] = await bq.query({
    query: `SELECT word, count FROM \`${config.bigquery.dataset}.${table}\``,
  });
  return sortRows(rows as { word: string; count: unknown }[]);
}

export function sortRows(rows: readonly { word: unknown; count: unknown }[]): WordCountRow[] {
  return rows
    .map((r) => ({ word: String(r.word), count: Number(r.count) }))
    .sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}

/** Lines of the functions' JSON logs, parsed; other lines (framework errors) are skipped. */
export function jsonEntries(lines: readonly string[]): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const line of lines) {
    const json = line.slice(line.indexOf(' ') + 1);
    if (!json.startsWith('{')) continue;
    try {
      entries.push(JSON.parse(json) as Record<string, unknown>);
    } catch {
      // not a log entry
    }
  }
  return entries;
}

/** Every row of a query on the dev cloud's BigQuery fake (in its dataset, as the client parses them). */
export async function queryRows(cloud: DevCloud, query: string): Promise<Record<string, unknown>[]> {
  const { config } = cloud;
  const bq = new BigQuery({ projectId: config.projectId, apiEndpoint: config.bigquery.apiEndpoint! });
  const [rows] = await bq.query({ query, defaultDataset: { datasetId: config.bigquery.dataset } });
  return rows as Record<string, unknown>[];
}

/** The user entities the functions read and write: the project's default namespace (engine-env.ts). */
export function entityStoreOf(cloud: DevCloud): DatastoreEntityStore {
  return new DatastoreEntityStore({
    projectId: cloud.config.projectId,
    apiEndpoint: cloud.config.datastore.apiEndpoint!,
  });
}

export async function readKind(store: EntityStore, kind: string): Promise<Entity[]> {
  const all: Entity[] = [];
  for await (const e of store.query({ kind })) all.push(e);
  return all;
}
