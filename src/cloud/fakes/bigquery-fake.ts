// An in-process fake of the BigQuery REST API subset that @google-cloud/bigquery uses for
// datasets and tables (get, insert, delete, tables.list), load jobs from the GCS fake (jobs.insert with a
// caller-chosen jobId, 409 on reuse, jobs.get), and queries (jobs.query, query jobs,
// getQueryResults) executed by DuckDB. Point the client at it with
// `new BigQuery({ apiEndpoint: fake.endpoint, projectId })`. Jobs finish synchronously: every job
// is DONE when jobs.insert answers. What it does not emulate is listed in docs/testing-cloud.md.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { BigQueryFakeEngine } from './bigquery-fake-engine.ts';
import { JobError } from './bigquery-fake-load.ts';
import type { LoadConfig, QueryResult, TableMeta } from './bigquery-fake-engine.ts';
import type { GcsFake } from './gcs-fake.ts';
import { HttpError, applyFault, listen, readJson, sendFailure, sendJson } from './http-util.ts';
import type { Fault } from './http-util.ts';

export interface BigQueryFake {
  /** Base URL for the client's `apiEndpoint`. */
  readonly endpoint: string;
  readonly engine: BigQueryFakeEngine;
  /** A job resource as submitted and completed, for assertions on what the client sent. */
  getJob(projectId: string, jobId: string): Record<string, unknown> | undefined;
  /** Ids of every job submitted so far, in order. */
  jobIds(): string[];
  failNext(count: number, status: number, match?: (method: string, path: string) => boolean): void;
  close(): Promise<void>;
}

interface JobRecord {
  resource: Record<string, unknown>;
  result?: QueryResult;
}

/** Starts the fake; load jobs read `gs://` sources from `gcs` when given. */
export async function startBigQueryFake(options: { gcs?: GcsFake } = {}): Promise<BigQueryFake> {
  const engine = new BigQueryFakeEngine(options.gcs?.store);
  await engine.open();
  const jobs = new Map<string, JobRecord>();
  const faults: Fault[] = [];

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const parts = url.pathname
      .replace(/^\/bigquery\/v2/, '')
      .split('/')
      .slice(1)
      .map(decodeURIComponent);
    const [p, project, collection, id, sub, tableId] = parts;
    if (p !== 'projects' || !project) throw notImplemented(method, url.pathname);
    if (collection === 'datasets') {
      if (id === undefined && method === 'POST') {
        const body = await readJson(req);
        const ref = body.datasetReference as { datasetId: string };
        const location = String(body.location ?? 'US');
        await engine.createDataset(project, ref.datasetId, location);
        return sendJson(res, 200, datasetResource(project, ref.datasetId, location));
      }
      if (id !== undefined && sub === undefined) {
        const dataset = engine.datasets.get(`${project}.${id}`);
        if (!dataset) throw new HttpError(404, 'notFound', `Not found: Dataset ${project}:${id}`);
        if (method === 'GET') return sendJson(res, 200, datasetResource(project, id, dataset.location));
        if (method === 'DELETE') {
          await engine.deleteDataset(project, id);
          return noContent(res);
        }
      }
      if (id !== undefined && sub === 'tables') {
        if (tableId === undefined && method === 'GET') {
          // tables.list: every table of the dataset in one page, ordered by id like BigQuery.
          const dataset = engine.datasets.get(`${project}.${id}`);
          if (!dataset) throw new HttpError(404, 'notFound', `Not found: Dataset ${project}:${id}`);
          const tables = [...engine.tables.values()]
            .filter((t) => t.projectId === project && t.datasetId === id)
            .sort((a, b) => (a.tableId < b.tableId ? -1 : a.tableId > b.tableId ? 1 : 0))
            .map((t) => ({ ...tableListEntry(t), location: dataset.location }));
          return sendJson(res, 200, { kind: 'bigquery#tableList', tables, totalItems: tables.length });
        }
        if (tableId === undefined && method === 'POST') {
          const body = await readJson(req);
          const ref = body.tableReference as { tableId: string };
          const meta: Omit<TableMeta, 'created'> = {
            projectId: project,
            datasetId: id,
            tableId: ref.tableId,
            fields: (body.schema as { fields?: TableMeta['fields'] } | undefined)?.fields ?? [],
          };
          if (body.timePartitioning)
            meta.timePartitioning = body.timePartitioning as TableMeta['timePartitioning'] & object;
          return sendJson(res, 200, tableResource(await engine.createTable(meta)));
        }
        if (tableId !== undefined) {
          const table = engine.table(project, id, tableId);
          if (method === 'DELETE') {
            await engine.deleteTable(project, id, tableId);
            return noContent(res);
          }
          if (!table) throw new HttpError(404, 'notFound', `Not found: Table ${project}:${id}.${tableId}`);
          if (method === 'GET') return sendJson(res, 200, tableResource(table));
        }
      }
    }
    if (collection === 'jobs') {
      if (id === undefined && method === 'POST')
        return sendJson(res, 200, await insertJob(project, await readJson(req)));
      if (id !== undefined && method === 'GET') return sendJson(res, 200, job(project, id).resource);
    }
    if (collection === 'queries') {
      if (id === undefined && method === 'POST') {
        const body = await readJson(req);
        const jobId = `fake_query_${randomUUID().replaceAll('-', '')}`;
        const resource = await insertJob(
          project,
          {
            jobReference: { projectId: project, jobId, location: body.location },
            configuration: {
              query: { query: body.query, defaultDataset: body.defaultDataset, useLegacySql: false },
            },
          },
          int64(body.formatOptions),
        );
        throwJobError(resource);
        return sendJson(res, 200, queryResponse(project, jobs.get(`${project}:${jobId}`)!));
      }
      if (id !== undefined && method === 'GET') {
        const record = job(project, id);
        throwJobError(record.resource);
        return sendJson(res, 200, queryResponse(project, record));
      }
    }
    throw notImplemented(method, url.pathname);
  };

  const job = (project: string, jobId: string): JobRecord => {
    const record = jobs.get(`${project}:${jobId}`);
    if (!record) throw new HttpError(404, 'notFound', `Not found: Job ${project}:${jobId}`);
    return record;
  };

  const insertJob = async (
    project: string,
    body: Record<string, unknown>,
    int64Timestamps = true,
  ): Promise<Record<string, unknown>> => {
    const ref = (body.jobReference ?? {}) as { jobId?: string; location?: string };
    const jobId = ref.jobId ?? `fake_job_${randomUUID().replaceAll('-', '')}`;
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId))
      throw new HttpError(400, 'invalid', `Invalid job ID "${jobId}".`);
    const location = ref.location ?? 'US';
    if (jobs.has(`${project}:${jobId}`))
      throw new HttpError(409, 'duplicate', `Already Exists: Job ${project}:${location}.${jobId}`);
    const configuration = (body.configuration ?? {}) as {
      load?: LoadConfig;
      query?: { query: string; defaultDataset?: { datasetId: string } };
    };
    const resource: Record<string, unknown> = {
      kind: 'bigquery#job',
      id: `${project}:${location}.${jobId}`,
      jobReference: { projectId: project, jobId, location },
      configuration,
      statistics: { creationTime: String(Date.now()), startTime: String(Date.now()) },
    };
    const record: JobRecord = { resource };
    // Registered before it runs, so a concurrent insert of the same id gets its 409 at once.
    jobs.set(`${project}:${jobId}`, record);
    try {
      if (configuration.load) {
        const rows = await engine.load(project, configuration.load);
        (resource.statistics as Record<string, unknown>).load = {
          outputRows: String(rows),
          inputFiles: String(configuration.load.sourceUris?.length ?? 0),
        };
      } else if (configuration.query) {
        record.result = await engine.query(
          configuration.query.query,
          configuration.query.defaultDataset?.datasetId,
          int64Timestamps,
          { projectId: project, location },
        );
        (resource.statistics as Record<string, unknown>).query = {
          numDmlAffectedRows: String(record.result.affectedRows ?? 0),
        };
      } else {
        throw new JobError('invalid', 'The BigQuery fake runs only load and query jobs.');
      }
      resource.status = { state: 'DONE' };
    } catch (err) {
      const reason =
        err instanceof JobError || err instanceof HttpError
          ? (err as { reason: string }).reason
          : 'backendError';
      const message = err instanceof Error ? err.message : String(err);
      resource.status = { state: 'DONE', errorResult: { reason, message }, errors: [{ reason, message }] };
    }
    (resource.statistics as Record<string, unknown>).endTime = String(Date.now());
    return resource;
  };

  const queryResponse = (project: string, record: JobRecord): Record<string, unknown> => {
    const result = record.result ?? { fields: [], rows: [] };
    return {
      kind: 'bigquery#queryResponse',
      jobReference: record.resource.jobReference,
      jobComplete: true,
      schema: { fields: result.fields },
      rows: result.rows,
      totalRows: String(result.rows.length),
      ...(result.affectedRows !== undefined ? { numDmlAffectedRows: String(result.affectedRows) } : {}),
      projectId: project,
    };
  };

  const server = await listen((req, res) => {
    if (applyFault(faults, req, res)) return;
    route(req, res).catch((err: unknown) => sendFailure(res, err));
  });

  return {
    endpoint: server.endpoint,
    engine,
    getJob: (projectId, jobId) => jobs.get(`${projectId}:${jobId}`)?.resource,
    jobIds: () => [...jobs.keys()].map((k) => k.slice(k.indexOf(':') + 1)),
    failNext: (count, status, match = () => true) => {
      faults.push({ count, status, match });
    },
    close: async () => {
      await server.close();
      engine.close();
    },
  };
}

/** A failed query answers like BigQuery: 404 for a missing table or dataset, else 400. */
function throwJobError(resource: Record<string, unknown>): void {
  const status = resource.status as { errorResult?: { reason: string; message: string } };
  const error = status.errorResult;
  if (error) throw new HttpError(error.reason === 'notFound' ? 404 : 400, error.reason, error.message);
}

function int64(formatOptions: unknown): boolean {
  const opts = (formatOptions ?? {}) as { useInt64Timestamp?: boolean };
  return opts.useInt64Timestamp !== false;
}

function notImplemented(method: string, path: string): HttpError {
  return new HttpError(501, 'notImplemented', `The BigQuery fake does not implement ${method} ${path}`);
}

function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

function datasetResource(projectId: string, datasetId: string, location: string): Record<string, unknown> {
  return {
    kind: 'bigquery#dataset',
    id: `${projectId}:${datasetId}`,
    datasetReference: { projectId, datasetId },
    location,
  };
}

function tableListEntry(t: TableMeta): Record<string, unknown> {
  return {
    kind: 'bigquery#table',
    id: `${t.projectId}:${t.datasetId}.${t.tableId}`,
    tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
    type: 'TABLE',
    creationTime: String(t.created),
    ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
  };
}

function tableResource(t: TableMeta): Record<string, unknown> {
  return {
    kind: 'bigquery#table',
    id: `${t.projectId}:${t.datasetId}.${t.tableId}`,
    tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
    schema: { fields: t.fields },
    type: 'TABLE',
    creationTime: String(t.created),
    ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
  };
}
