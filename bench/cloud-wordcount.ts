// The cloud benchmark note of issue #3: wordcount through the emulated cloud (the official
// emulators, the GCS/BigQuery fakes, five functions-framework processes, push subscriptions),
// with 1 and with 32 map tasks on the same input. Reports wall time (job message published →
// run DONE in Datastore), the phase times, the GCS objects written per kind and the Pub/Sub
// messages published per topic. Checks the table against the local runtime's result.
//
//   npx node bench/cloud-wordcount.ts [--mib 4] [--partitions 8]
//
// The numbers measure the framework's overheads on the emulators, not Google Cloud's latency.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BigQuery } from '@google-cloud/bigquery';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { DatastoreStateStore } from '../src/adapters/gcp/datastore-state-store.ts';
import { startDevCloud, type DevCloud } from '../src/cloud/dev-cloud.ts';
import { startEmulators } from '../src/cloud/emulators.ts';
import type { RunRecord, TaskRecord } from '../src/core/records.ts';
import { writeZipfText } from '../src/samples/zipf-text.ts';
import { runJob } from '../src/testing.ts';
import { wordcount } from '../jobs/wordcount.ts';
import { assertSameCounts, rowsToCounts } from './counts.ts';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '4' }, partitions: { type: 'string', default: '8' } },
});
const MIB = Number(values.mib);
const PARTITIONS = Number(values.partitions);

interface Result {
  shards: number;
  mapTasks: number;
  reduceTasks: number;
  wallSeconds: number;
  phases: Record<string, number>;
  objects: Record<string, number>;
  /** Requests the GCS fake answered for this run's objects, by kind. */
  requests: Record<string, number>;
  messages: Record<string, number>;
  loads: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cloud-bench-'));
  const inputFile = join(dir, 'input.txt');
  await writeZipfText(inputFile, { bytes: MIB * 1024 * 1024, seed: 42 });
  const local = await runJob(wordcount, { cwd: dir, inputs: ['input.txt'], shards: 4 });
  const expected = rowsToCounts(local.outputs.wordcount as { word: string; count: number }[]);

  const emulators = await startEmulators({ projectId: 'cloudreduce-bench' });
  let cloud: DevCloud | undefined;
  try {
    cloud = await startDevCloud({
      projectId: emulators.projectId,
      emulators,
      prefix: 'bench',
      sweepEveryMillis: 10_000,
      logLevel: 'WARNING',
      onLog: (fn, line, stream) => {
        if (stream === 'stderr' || line.includes('"ERROR"')) console.error(`[${fn}] ${line}`);
      },
    });
    cloud.gcs.putObject(cloud.config.incomingBucket!, 'in/input.txt', await readFile(inputFile));
    const state = new DatastoreStateStore({
      projectId: cloud.config.projectId,
      apiEndpoint: emulators.datastoreHost,
    });
    const results: Result[] = [];
    // A warm-up run first: the first message to each function pays for loading clients and jobs.
    await measure(cloud, state, 'warmup', 1, expected);
    for (const shards of [1, 32]) results.push(await measure(cloud, state, `s${shards}`, shards, expected));
    report(results);
  } finally {
    await cloud?.stop();
    await emulators.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(
  cloud: DevCloud,
  state: DatastoreStateStore,
  tag: string,
  shards: number,
  expected: Map<string, number>,
): Promise<Result> {
  const runId = `bench-${tag}-${Date.now()}`;
  const written: string[] = [];
  const store = cloud.gcs.store;
  const write = store.write.bind(store);
  // Count every object the functions create (the fake's store sees each completed upload once).
  store.write = (bucket, name, ...rest) => {
    if (name.includes(runId)) written.push(name);
    return write(bucket, name, ...rest);
  };
  const counted = await countMessages(cloud, runId);
  const requestsBefore = cloud.gcs.requests.length;

  const started = Date.now();
  await cloud.publishJob({
    job: 'wordcount',
    inputs: [`gs://${cloud.config.incomingBucket}/in/*.txt`],
    runId,
    shards,
    partitions: PARTITIONS,
  });
  let run: RunRecord | undefined;
  while (!run || run.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = await state.getRun(runId);
  }
  const wallSeconds = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the counting subscriptions drain
  const messages = await counted.stop();
  const requests = classifyRequests(cloud.gcs.requests.slice(requestsBefore));
  store.write = write;
  if (run.status !== 'DONE') throw new Error(`run ${runId} ended ${run.status}: ${run.error?.message}`);

  const bigquery = new BigQuery({
    projectId: cloud.config.projectId,
    apiEndpoint: cloud.config.bigquery.apiEndpoint!,
  });
  const [rows] = await bigquery.query({
    query: `SELECT word, count FROM \`${cloud.config.bigquery.dataset}.wordcount\``,
  });
  assertSameCounts(expected, rowsToCounts(rows as { word: string; count: number }[]), `cloud run ${runId}`);

  const tasks = await state.listTasks(runId);
  return {
    shards,
    mapTasks: tasks.filter((t) => t.phase === 'map').length,
    reduceTasks: tasks.filter((t) => t.phase === 'reduce').length,
    wallSeconds,
    phases: phases(run, tasks),
    objects: classify(written, runId),
    requests,
    messages,
    // Load job ids derive from the run id; the query that read the table back is not one of them.
    loads: cloud.bigquery.jobIds().filter((j) => j.startsWith(`cr_${runId}`)).length,
  };
}

/** Pull subscriptions beside the push ones: each receives a copy of every message published. */
async function countMessages(
  cloud: DevCloud,
  runId: string,
): Promise<{ stop(): Promise<Record<string, number>> }> {
  const counts: Record<string, number> = {};
  const subs: Subscription[] = [];
  for (const [topic, name] of Object.entries(cloud.config.topics)) {
    const [sub] = await cloud.pubsub.topic(name).createSubscription(`${name}-count-${runId}`);
    counts[topic] = 0;
    sub.on('message', (m: Message) => {
      const data = JSON.parse(m.data.toString('utf8')) as { runId?: string };
      if (data.runId === runId) counts[topic]!++;
      m.ack();
    });
    subs.push(sub);
  }
  return {
    async stop() {
      for (const sub of subs) {
        await sub.close();
        await sub.delete();
      }
      return counts;
    },
  };
}

function classify(names: readonly string[], runId: string): Record<string, number> {
  const kinds: Record<string, number> = { 'map intermediates': 0, 'output parts': 0, results: 0, other: 0 };
  for (const name of new Set(names)) {
    if (name.startsWith(`tmp/${runId}/`) && name.includes('/map/')) kinds['map intermediates']!++;
    else if (name.startsWith(`tmp/${runId}/`)) kinds['output parts']!++;
    else if (name.startsWith('results/')) kinds.results!++;
    else kinds.other!++;
  }
  return kinds;
}

/**
 * Every GCS request the fake answered while the run ran (one run at a time, so all of them are the
 * run's, plus the sweeper's ticks), by what it does. Multipart upload URLs carry no object name, so
 * the window, not the name, attributes them.
 */
function classifyRequests(lines: readonly string[]): Record<string, number> {
  const kinds: Record<string, number> = {
    'reads (GET media, ranged or whole)': 0,
    'uploads started': 0,
    'upload chunks (resumable PUT)': 0,
    'metadata GET': 0,
    list: 0,
    delete: 0,
  };
  for (const line of lines) {
    const [method = '', url = ''] = line.split(' ');
    const path = url.split('?')[0]!;
    if (method === 'GET' && url.includes('alt=media')) kinds['reads (GET media, ranged or whole)']!++;
    else if (method === 'POST' && path.startsWith('/upload/')) kinds['uploads started']!++;
    else if (method === 'PUT' && path.startsWith('/upload/')) kinds['upload chunks (resumable PUT)']!++;
    else if (method === 'GET' && path.endsWith('/o')) kinds.list!++;
    else if (method === 'GET') kinds['metadata GET']!++;
    else if (method === 'DELETE') kinds.delete!++;
  }
  return kinds;
}

function phases(run: RunRecord, tasks: readonly TaskRecord[]): Record<string, number> {
  const t0 = Date.parse(run.createdAt);
  const span = (phase: string) => {
    const own = tasks.filter((t) => t.phase === phase);
    const start = Math.min(...own.map((t) => Date.parse(t.startedAt ?? t.createdAt)));
    const end = Math.max(...own.map((t) => Date.parse(t.finishedAt ?? t.updatedAt)));
    return { start, end };
  };
  const map = span('map');
  const reduce = span('reduce');
  const end = Date.parse(run.finishedAt!);
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    'split → first map start': s(map.start - t0),
    map: s(map.end - map.start),
    'barrier → first reduce start': s(reduce.start - map.end),
    reduce: s(reduce.end - reduce.start),
    'finalize (load + cleanup)': s(end - reduce.end),
  };
}

function report(results: readonly Result[]): void {
  console.log(
    `\nwordcount through the emulated cloud: ${MIB} MiB zipf text, ${PARTITIONS} partitions, ` +
      `${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}\n`,
  );
  const rows: [string, ...string[]][] = [
    ['', ...results.map((r) => `${r.shards} shard${r.shards === 1 ? '' : 's'}`)],
    ['map / reduce tasks', ...results.map((r) => `${r.mapTasks} / ${r.reduceTasks}`)],
    ['wall time (publish → DONE)', ...results.map((r) => `${r.wallSeconds.toFixed(1)} s`)],
  ];
  for (const phase of Object.keys(results[0]!.phases))
    rows.push([`  ${phase}`, ...results.map((r) => `${r.phases[phase]!.toFixed(1)} s`)]);
  for (const kind of Object.keys(results[0]!.objects))
    rows.push([`GCS objects: ${kind}`, ...results.map((r) => String(r.objects[kind]))]);
  for (const kind of Object.keys(results[0]!.requests))
    rows.push([`GCS requests: ${kind}`, ...results.map((r) => String(r.requests[kind]))]);
  for (const topic of Object.keys(results[0]!.messages))
    rows.push([`Pub/Sub messages: ${topic}`, ...results.map((r) => String(r.messages[topic]))]);
  rows.push(['BigQuery load jobs', ...results.map((r) => String(r.loads))]);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const row of rows)
    console.log(
      `| ${row[0].padEnd(width)} | ${row
        .slice(1)
        .map((c) => c.padStart(10))
        .join(' | ')} |`,
    );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
