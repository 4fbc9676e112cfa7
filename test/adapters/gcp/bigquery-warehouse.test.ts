import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { GcsBlobStore } from '../../../src/adapters/gcp/gcs-blob-store.ts';
import { BigQueryWarehouse, jobIdBase } from '../../../src/adapters/gcp/bigquery-warehouse.ts';
import type { BigQueryWarehouseOptions } from '../../../src/adapters/gcp/bigquery-warehouse.ts';
import { warehouseContract } from '../../contracts/warehouse.ts';
import { startBigQueryFake } from '../../../src/cloud/fakes/bigquery-fake.ts';
import type { BigQueryFake } from '../../../src/cloud/fakes/bigquery-fake.ts';
import { startGcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';
import type { GcsFake } from '../../../src/cloud/fakes/gcs-fake.ts';

const PROJECT = 'test-project';
let gcs: GcsFake;
let bq: BigQueryFake;
before(async () => {
  gcs = await startGcsFake();
  bq = await startBigQueryFake({ gcs });
});
after(async () => {
  await bq.close();
  await gcs.close();
});

/** A fresh bucket and dataset, and a warehouse loading from the bucket under the prefix "engine". */
async function setup(options: Partial<BigQueryWarehouseOptions> = {}) {
  const bucket = `wh-${randomUUID()}`;
  const dataset = `ds_${randomUUID().replaceAll('-', '')}`;
  gcs.createBucket(bucket);
  const client = new BigQuery({ projectId: PROJECT, apiEndpoint: bq.endpoint });
  await client.createDataset(dataset, { location: 'US' });
  const warehouse = new BigQueryWarehouse({
    projectId: PROJECT,
    dataset,
    bucket,
    sourcePrefix: 'engine',
    blobs: new GcsBlobStore({ bucket, prefix: 'engine', apiEndpoint: gcs.endpoint, projectId: PROJECT }),
    apiEndpoint: bq.endpoint,
    pollIntervalMillis: 10,
    ...options,
  });
  return {
    warehouse,
    dataset,
    bucket,
    writeSource: async (name: string, ndjson: string) => gcs.putObject(bucket, `engine/${name}`, ndjson),
    cleanup: async () => {
      await client.dataset(dataset).delete({ force: true });
    },
  };
}

warehouseContract('BigQueryWarehouse on the BigQuery fake (sources in the GCS fake)', setup);

const schema = {
  columns: [
    { name: 'word', type: 'STRING' as const },
    { name: 'n', type: 'INT64' as const },
  ],
};

void describe('BigQueryWarehouse', () => {
  void test('a load submits one NDJSON load job with the schema, gs:// sources and a deterministic job id', async () => {
    const { warehouse, dataset, bucket, writeSource, cleanup } = await setup();
    try {
      await writeSource('out/part-0.ndjson', '{"word":"a","n":1}\n');
      await warehouse.load({
        jobId: 'run1/stage 0/counts',
        table: 'counts',
        schema,
        sources: ['out/part-0.ndjson'],
        writeDisposition: 'WRITE_APPEND',
      });
      const jobId = `${jobIdBase('run1/stage 0/counts')}_a1`;
      assert.match(jobId, /^cr_run1_stage_0_counts_[0-9a-f]{12}_a1$/);
      const job = bq.getJob(PROJECT, jobId) as { configuration: { load: Record<string, unknown> } };
      assert.deepEqual(job.configuration.load, {
        destinationTable: { projectId: PROJECT, datasetId: dataset, tableId: 'counts' },
        sourceUris: [`gs://${bucket}/engine/out/part-0.ndjson`],
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        schema: {
          fields: [
            { name: 'word', type: 'STRING', mode: 'NULLABLE' },
            { name: 'n', type: 'INT64', mode: 'NULLABLE' },
          ],
        },
        writeDisposition: 'WRITE_APPEND',
        createDisposition: 'CREATE_IF_NEEDED',
      });
    } finally {
      await cleanup();
    }
  });

  void test('a partition load targets table$YYYYMMDD with day partitioning on the column', async () => {
    const { warehouse, dataset, writeSource, cleanup } = await setup();
    try {
      await writeSource('p.ndjson', '{"day":"2024-03-01","word":"x"}\n');
      const daily = {
        columns: [
          { name: 'day', type: 'DATE' as const },
          { name: 'word', type: 'STRING' as const },
        ],
        partitionBy: 'day',
      };
      await warehouse.load({
        jobId: 'j-part',
        table: 'daily',
        schema: daily,
        sources: ['p.ndjson'],
        writeDisposition: 'WRITE_TRUNCATE',
        partition: '2024-03-01',
      });
      const load = (
        bq.getJob(PROJECT, 'cr_j-part_a1') as { configuration: { load: Record<string, unknown> } }
      ).configuration.load;
      assert.deepEqual(load.destinationTable, {
        projectId: PROJECT,
        datasetId: dataset,
        tableId: 'daily$20240301',
      });
      assert.deepEqual(load.timePartitioning, { type: 'DAY', field: 'day' });
    } finally {
      await cleanup();
    }
  });

  void test('a failed job id is never reused: the next try of the request id submits _a2', async () => {
    const { warehouse, writeSource, cleanup } = await setup();
    try {
      await writeSource('bad.ndjson', '{"word":"a","n":"x"}\n');
      await assert.rejects(
        warehouse.load({
          jobId: 'retry-me',
          table: 't',
          schema,
          sources: ['bad.ndjson'],
          writeDisposition: 'WRITE_APPEND',
        }),
        {
          name: 'NonRetryableError',
          message: /Loading test-project\.ds_\w+\.t failed \(BigQuery job cr_retry-me_a1, invalid\)/,
        },
      );
      await writeSource('good.ndjson', '{"word":"a","n":1}\n');
      const request = {
        jobId: 'retry-me',
        table: 't',
        schema,
        sources: ['good.ndjson'],
        writeDisposition: 'WRITE_APPEND' as const,
      };
      assert.deepEqual(await warehouse.load(request), { rows: 1, loaded: true });
      assert.deepEqual(await warehouse.load(request), { rows: 1, loaded: false });
      assert.deepEqual(
        bq.jobIds().filter((id) => id.startsWith('cr_retry-me')),
        ['cr_retry-me_a1', 'cr_retry-me_a2'],
      );
    } finally {
      await cleanup();
    }
  });

  void test('a table in another dataset is named dataset.table; bad table names are a ConfigError', async () => {
    const { warehouse, writeSource, cleanup } = await setup();
    const other = await setup();
    try {
      await writeSource('x.ndjson', '{"word":"q","n":2}\n');
      await warehouse.load({
        jobId: 'j-other',
        table: `${other.dataset}.t`,
        schema,
        sources: ['x.ndjson'],
        writeDisposition: 'WRITE_APPEND',
      });
      assert.deepEqual(await other.warehouse.query('SELECT word, n FROM t'), [{ word: 'q', n: 2 }]);
      await assert.rejects(warehouse.query(`SELECT * FROM \`${other.dataset}.missing\``), {
        name: 'ConfigError',
      });
      await assert.rejects(
        warehouse.load({ jobId: 'j', table: 'a.b.c', schema, sources: [], writeDisposition: 'WRITE_APPEND' }),
        {
          name: 'ConfigError',
          message: /Table name "a.b.c" is not allowed/,
        },
      );
    } finally {
      await cleanup();
      await other.cleanup();
    }
  });

  void test('a WRITE_TRUNCATE of zero sources empties the table, or only the partition', async () => {
    const { warehouse, writeSource, cleanup } = await setup();
    try {
      await writeSource('w.ndjson', '{"word":"a","n":1}\n');
      await warehouse.load({
        jobId: 'z1',
        table: 'w',
        schema,
        sources: ['w.ndjson'],
        writeDisposition: 'WRITE_APPEND',
      });
      const emptied = await warehouse.load({
        jobId: 'z2',
        table: 'w',
        schema,
        sources: [],
        writeDisposition: 'WRITE_TRUNCATE',
      });
      assert.deepEqual(emptied, { rows: 0, loaded: true });
      assert.deepEqual(await warehouse.query('SELECT word FROM w'), []);
      const daily = {
        columns: [
          { name: 'day', type: 'DATE' as const },
          { name: 'word', type: 'STRING' as const },
        ],
        partitionBy: 'day',
      };
      await writeSource('d.ndjson', '{"day":"2024-03-01","word":"x"}\n{"day":"2024-03-02","word":"y"}\n');
      await warehouse.load({
        jobId: 'z3',
        table: 'd',
        schema: daily,
        sources: ['d.ndjson'],
        writeDisposition: 'WRITE_APPEND',
      });
      await warehouse.load({
        jobId: 'z4',
        table: 'd',
        schema: daily,
        sources: [],
        writeDisposition: 'WRITE_TRUNCATE',
        partition: '2024-03-01',
      });
      assert.deepEqual(await warehouse.query('SELECT word FROM d'), [{ word: 'y' }]);
    } finally {
      await cleanup();
    }
  });

  void test('a 503 from the API is retried by the client and the load still completes', async () => {
    const { warehouse, writeSource, cleanup } = await setup();
    try {
      await writeSource('r.ndjson', '{"word":"r","n":3}\n');
      bq.failNext(1, 503, (method, path) => method === 'GET' && path.includes('/tables/'));
      const result = await warehouse.load({
        jobId: 'j-503',
        table: 't',
        schema,
        sources: ['r.ndjson'],
        writeDisposition: 'WRITE_APPEND',
      });
      assert.deepEqual(result, { rows: 1, loaded: true });
    } finally {
      await cleanup();
    }
  });
});
