// BigQueryWarehouse: table outputs land in BigQuery through load jobs (free, atomic, ≤ 1,500 per
// table per day) from the NDJSON parts in the engine's bucket. The job id derives from the
// request's jobId, so a duplicate finalize finds the job by id (409) and waits for it instead of
// loading twice. BigQuery never reuses the id of a failed job, so ids carry an attempt suffix:
// a later try after a failure moves on to the next suffix. An empty WRITE_TRUNCATE is a load job
// too (of one empty object), so it is deduplicated by the same id: a late redelivery of an old
// run's finalize cannot empty what a newer run loaded since.

import { BigQuery } from '@google-cloud/bigquery';
import type { Job, JobMetadata } from '@google-cloud/bigquery';
import { createHash } from 'node:crypto';
import { ConfigError, NonRetryableError, TransientError } from '../../core/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { LoadRequest, LoadResult, Row, Warehouse } from '../../ports/warehouse.ts';
import { backendError, httpStatus } from './backend-errors.ts';
import { checkLoadRequest } from '../../ports/load-request.ts';
import { schemaDifference, toFields } from './bigquery-schema.ts';
import type { RestField } from './bigquery-schema.ts';
import { normalizeRow, WRAP_INTEGERS } from './bigquery-values.ts';
import { sleep } from './retry.ts';

export interface BigQueryWarehouseOptions {
  projectId: string;
  /** Tables named without a dataset ("counts") live here; "other.counts" names another dataset. */
  dataset: string;
  /** The engine's bucket: LoadRequest sources are object names in it. */
  bucket: string;
  /** The engine's object prefix in that bucket (GcsBlobStore's `prefix`). */
  sourcePrefix?: string;
  /**
   * The engine's BlobStore on that bucket and prefix: an empty WRITE_TRUNCATE loads the empty
   * object EMPTY_SOURCE, which the warehouse creates there once.
   */
  blobs: BlobStore;
  /** Where jobs run; must match the dataset's location. */
  location?: string;
  /** e.g. "http://127.0.0.1:9050" for a fake; the client then sends no credentials. */
  apiEndpoint?: string;
  /** Share a client; when set, projectId still names the project of the tables. */
  bigquery?: BigQuery;
  pollIntervalMillis?: number;
  /** How long load() waits for a job before giving up with a TransientError (the job goes on). */
  waitTimeoutMillis?: number;
  /** Load attempts per request jobId, each a new BigQuery job id after a failed one. */
  maxJobAttempts?: number;
}

const JOB_ID_CHARS = /[^A-Za-z0-9_-]/g;
/** The source of a zero-row load (BigQuery load jobs need at least one source object). */
export const EMPTY_SOURCE = '_cloudreduce/empty.ndjson';

export class BigQueryWarehouse implements Warehouse {
  readonly #bq: BigQuery;
  readonly #projectId: string;
  readonly #dataset: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #location: string;
  readonly #pollMillis: number;
  readonly #timeoutMillis: number;
  readonly #maxAttempts: number;
  readonly #blobs: BlobStore;

  constructor(options: BigQueryWarehouseOptions) {
    this.#projectId = options.projectId;
    this.#dataset = options.dataset;
    this.#bucket = options.bucket;
    const prefix = (options.sourcePrefix ?? '').replace(/^\/+|\/+$/g, '');
    this.#prefix = prefix ? `${prefix}/` : '';
    this.#location = options.location ?? 'US';
    this.#pollMillis = options.pollIntervalMillis ?? 1000;
    this.#timeoutMillis = options.waitTimeoutMillis ?? 300_000;
    this.#maxAttempts = options.maxJobAttempts ?? 20;
    this.#blobs = options.blobs;
    this.#bq =
      options.bigquery ??
      new BigQuery({
        projectId: options.projectId,
        location: this.#location,
        ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
      });
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const { datasetId, tableId, shown } = this.#table(request.table);
    checkLoadRequest(request, shown);
    const wholeTableTruncate =
      request.writeDisposition === 'WRITE_TRUNCATE' && request.partition === undefined;
    if (!wholeTableTruncate) await this.#checkExistingSchema(request, datasetId, tableId, shown);
    if (request.sources.length === 0 && request.writeDisposition === 'WRITE_APPEND')
      return this.#createOnly(request, datasetId, tableId, shown);
    const sources = request.sources.length > 0 ? request.sources : [await this.#emptySource()];
    const destination = request.partition ? `${tableId}$${request.partition.replaceAll('-', '')}` : tableId;
    const load = {
      destinationTable: { projectId: this.#projectId, datasetId, tableId: destination },
      sourceUris: sources.map((s) => `gs://${this.#bucket}/${this.#prefix}${s}`),
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      schema: { fields: toFields(request.schema) },
      writeDisposition: request.writeDisposition,
      createDisposition: 'CREATE_IF_NEEDED',
      ...(request.schema.partitionBy
        ? { timePartitioning: { type: 'DAY', field: request.schema.partitionBy } }
        : {}),
    };
    const base = jobIdBase(request.jobId);
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const jobId = `${base}_a${attempt}`;
      const { metadata, created } = await this.#submit(jobId, { load }, shown);
      const error = metadata.status?.errorResult;
      if (!error) return { rows: Number(metadata.statistics?.load?.outputRows ?? 0), loaded: created };
      // A failed job found by id belongs to an earlier try: move on to the next id.
      if (!created) continue;
      throw loadFailure(shown, jobId, error);
    }
    throw new NonRetryableError(
      `Loading ${shown} failed in ${this.#maxAttempts} BigQuery jobs (${base}_a1…); fix the data or schema and use a new jobId.`,
    );
  }

  async query(sql: string): Promise<Row[]> {
    try {
      const [rows] = await this.#bq.query({
        query: sql,
        defaultDataset: { projectId: this.#projectId, datasetId: this.#dataset },
        location: this.#location,
        wrapIntegers: WRAP_INTEGERS,
      });
      return (rows as Row[]).map(normalizeRow);
    } catch (err) {
      const status = httpStatus(err);
      if (status === 400 || status === 404) {
        throw new ConfigError(
          `Query on BigQuery dataset ${this.#projectId}.${this.#dataset} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      throw backendError(err, `Querying BigQuery dataset ${this.#projectId}.${this.#dataset}`);
    }
  }

  async close(): Promise<void> {
    // The client keeps no connections that need closing.
  }

  async #submit(
    jobId: string,
    configuration: object,
    shown: string,
  ): Promise<{ metadata: JobMetadata; created: boolean }> {
    try {
      const [job] = await this.#bq.createJob({ jobId, location: this.#location, configuration });
      return { metadata: await this.#waitDone(job, shown), created: true };
    } catch (err) {
      if (httpStatus(err) === 409) {
        return {
          metadata: await this.#waitDone(this.#bq.job(jobId, { location: this.#location }), shown),
          created: false,
        };
      }
      // The client throws when the inserted job reports errors; the job itself is in the response.
      const response = (err as { response?: JobMetadata }).response;
      if (response?.status?.state === 'DONE') return { metadata: response, created: true };
      throw backendError(err, `Submitting BigQuery job ${jobId} for ${shown}`);
    }
  }

  async #waitDone(job: Job, shown: string): Promise<JobMetadata> {
    const deadline = Date.now() + this.#timeoutMillis;
    for (let metadata = job.metadata as JobMetadata | undefined; ;) {
      if (metadata?.status?.state === 'DONE') return metadata;
      if (Date.now() > deadline) {
        throw new TransientError(
          `BigQuery job ${job.id} for ${shown} is still ${metadata?.status?.state ?? 'pending'} after ` +
            `${this.#timeoutMillis} ms; a retry will find it by its id and wait again.`,
        );
      }
      if (metadata) await sleep(this.#pollMillis);
      try {
        [metadata] = await job.getMetadata();
      } catch (err) {
        throw backendError(err, `Reading BigQuery job ${job.id} for ${shown}`);
      }
    }
  }

  async #checkExistingSchema(
    request: LoadRequest,
    datasetId: string,
    tableId: string,
    shown: string,
  ): Promise<void> {
    let fields: RestField[];
    try {
      const [metadata] = await this.#bq.dataset(datasetId).table(tableId).getMetadata();
      fields = (metadata as { schema?: { fields?: RestField[] } }).schema?.fields ?? [];
    } catch (err) {
      if (httpStatus(err) === 404) return;
      throw backendError(err, `Reading the schema of ${shown}`);
    }
    const difference = schemaDifference(fields, request.schema);
    if (difference) {
      throw new ConfigError(
        `Cannot load into ${shown}: ${difference}. A table's columns cannot change between loads; ` +
          'load with WRITE_TRUNCATE (whole table) to replace it, or use a new table.',
      );
    }
  }

  /** An empty append only makes sure the table exists: no load job (and no load quota) spent. */
  async #createOnly(
    request: LoadRequest,
    datasetId: string,
    tableId: string,
    shown: string,
  ): Promise<LoadResult> {
    try {
      await this.#bq
        .dataset(datasetId)
        .table(tableId)
        .create({
          schema: { fields: toFields(request.schema) },
          ...(request.schema.partitionBy
            ? { timePartitioning: { type: 'DAY', field: request.schema.partitionBy } }
            : {}),
        });
    } catch (err) {
      if (httpStatus(err) !== 409) throw backendError(err, `Creating ${shown}`);
    }
    return { rows: 0, loaded: true };
  }

  /**
   * The empty object a zero-row WRITE_TRUNCATE loads: BigQuery load jobs need a source, and a load
   * job (unlike a DELETE) is deduplicated by its job id.
   */
  async #emptySource(): Promise<string> {
    const info = await this.#blobs.stat(EMPTY_SOURCE);
    if (info === undefined) await this.#blobs.put(EMPTY_SOURCE, '', { createOnly: true });
    else if (info.size !== 0) {
      throw new NonRetryableError(
        `The engine object ${EMPTY_SOURCE} must be empty (it is the source of empty table loads) but holds ` +
          `${info.size} bytes; delete it and the next load recreates it.`,
      );
    }
    return EMPTY_SOURCE;
  }

  #table(table: string): { datasetId: string; tableId: string; shown: string } {
    const parts = table.split('.');
    if (parts.length > 2 || !parts.every((p) => /^[A-Za-z0-9_][A-Za-z0-9_-]{0,1023}$/.test(p))) {
      throw new ConfigError(
        `Table name ${JSON.stringify(table)} is not allowed; use "table" or "dataset.table" made of letters, digits, underscores and dashes.`,
      );
    }
    const [datasetId, tableId] = parts.length === 2 ? [parts[0]!, parts[1]!] : [this.#dataset, parts[0]!];
    return { datasetId, tableId, shown: `${this.#projectId}.${datasetId}.${tableId}` };
  }
}

/** A valid BigQuery job id from any request id: invalid characters replaced, plus a hash if any were. */
export function jobIdBase(requestJobId: string): string {
  const clean = requestJobId.replace(JOB_ID_CHARS, '_').slice(0, 900);
  if (clean === requestJobId) return `cr_${clean}`;
  const hash = createHash('sha256').update(requestJobId).digest('hex').slice(0, 12);
  return `cr_${clean}_${hash}`;
}

function loadFailure(shown: string, jobId: string, error: { reason?: string; message?: string }): Error {
  const message = `Loading ${shown} failed (BigQuery job ${jobId}, ${error.reason ?? 'error'}): ${error.message ?? ''}`;
  if (
    error.reason === 'backendError' ||
    error.reason === 'internalError' ||
    error.reason === 'rateLimitExceeded'
  ) {
    return new TransientError(message);
  }
  if (/Provided Schema does not match/i.test(error.message ?? '')) return new ConfigError(message);
  return new NonRetryableError(message);
}
