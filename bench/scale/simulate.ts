// The scale simulation of issue 12: one map-reduce stage at M map tasks × R partitions, through the
// REAL split/planner, task state mutators, phase barrier, shuffle index build, reduce planning,
// reduce index reading and merge planning, sweeper and finalize, on model ports that count
// requests (model-ports.ts). Map bodies are synthetic: each writes a shuffle object of a modelled
// size and commits the partition index a real one would. Reduce bodies read their index with the
// real code and plan their merge passes with the real code; the data reads and merge runs those
// passes issue are counted, not performed.
//
//   npm run simulate:scale [-- --sizes 1000x100,20000x1000] [--map-mib 4]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { checkBarrier } from '../../src/core/barrier.ts';
import { DEFAULTS } from '../../src/core/defaults.ts';
import type { EngineEnv } from '../../src/core/env.ts';
import { handleFinalizeMessage } from '../../src/core/finalize.ts';
import type { Job } from '../../src/core/job.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { taskId, type TaskOutput } from '../../src/core/records.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { readRangeSources, type ReduceSplit } from '../../src/core/shuffle-index.ts';
import { mergePasses } from '../../src/core/shuffle/bounded-merge.ts';
import { handleJobMessage } from '../../src/core/split.ts';
import { sweepRun } from '../../src/core/sweeper.ts';
import { claimTask, commitTask } from '../../src/core/task-state.ts';
import { defineJob, input, type Values } from '../../src/index.ts';
import { Accounting, countingState, ModelBlobStore, ModelBus, type Usage } from './model-ports.ts';
import { phaseSeconds } from './rates.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000x100,1000x1000,5000x100,5000x1000,20000x100,20000x1000' },
    'map-mib': { type: 'string', default: '4' },
  },
});
const MAP_BYTES = Number(args['map-mib']) * 2 ** 20;
const NOW = Date.UTC(2026, 11, 1);
const MiB = 2 ** 20;

export interface SizeResult {
  m: number;
  r: number;
  reduceTasks: number;
  shuffleBytes: number;
  usage: Usage;
  messages: Record<string, number>;
  peaks: Record<'split' | 'map' | 'reduce' | 'finalize' | 'sweeper', number>;
  mergePasses: number;
  maxWritesPerName: number;
  rateSeconds: number;
  seconds: number;
}

function simJob(m: number, r: number): Job {
  return defineJob({
    name: 'scale-sim',
    input: input.integers(m * 10),
    shards: m,
    partitions: r,
    map(i: number, emit: (k: number, v: number) => void) {
      emit(i, 1);
    },
    async reduce(k: number, values: Values<number>, emit: (row: { k: number }) => void) {
      await values.toArray();
      emit({ k });
    },
  }) as unknown as Job;
}

/** A map task's partition index: ~MAP_BYTES split over R partitions with deterministic skew. */
function mapIndex(task: number, r: number): NonNullable<TaskOutput['partitions']> {
  const weights = Array.from(
    { length: r },
    (_, p) => 0.5 + (((p * 2654435761 + task * 40503) >>> 0) % 1000) / 1000,
  );
  const sum = weights.reduce((a, b) => a + b, 0);
  const bytes = MAP_BYTES * (0.75 + ((task * 7919) % 500) / 1000);
  let offset = 8;
  return weights.map((w) => {
    const length = Math.round((bytes * w) / sum);
    const range = { offset, length, records: Math.round(length / 24) };
    offset += length;
    return range;
  });
}

async function simulate(m: number, r: number): Promise<SizeResult> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-scale-'));
  const acct = new Accounting();
  // In memory: the simulation counts Datastore requests; a file would only add fsync time.
  const sqlite = new SqliteStateStore(':memory:');
  const blobs = new ModelBlobStore(acct);
  const bus = new ModelBus(acct);
  const job = simJob(m, r);
  const jobs = new JobRegistry();
  jobs.register(job);
  const env = {
    state: countingState(sqlite, acct),
    blobs,
    bus,
    jobs,
    logger: silentLogger,
    scratchDir: dir,
    workerId: 'sim',
    leaseMillis: DEFAULTS.leaseMillis,
    now: () => NOW,
  } as unknown as EngineEnv;
  const peaks: SizeResult['peaks'] = { split: 0, map: 0, reduce: 0, finalize: 0, sweeper: 0 };
  const peak = async (kind: keyof SizeResult['peaks'], fn: () => Promise<void>) => {
    peaks[kind] = Math.max(peaks[kind], await acct.measure(fn));
  };
  const runId = `sim-${m}x${r}`;
  let shuffleBytes = 0;
  let passes = 0;
  try {
    acct.phase = 'split';
    await peak('split', async () => {
      await handleJobMessage(env, { job: 'scale-sim', runId, shards: m, partitions: r });
    });

    acct.phase = 'map';
    const measured = new Set([
      0,
      1,
      2,
      m - 1,
      ...Array.from({ length: 10 }, (_, k) => Math.floor((k * m) / 10)),
    ]);
    for (let i = 0; i < m; i++) {
      if (i === Math.floor(m / 2)) await peak('sweeper', () => sweepRun(env, runId).then(() => undefined));
      const body = async () => {
        const id = taskId(0, 'map', i);
        if (i === m - 1) acct.phase = 'map→reduce flip';
        const claimed = await env.state.updateTask(
          runId,
          id,
          claimTask({ owner: 'sim', now: NOW, leaseMillis: 60_000 }),
        );
        const task = claimed!.record;
        const partitions = mapIndex(i, r);
        const name = `tmp/${runId}/stage/map/${id}/a${task.attempt}`;
        const size = partitions.at(-1)!.offset + partitions.at(-1)!.length;
        shuffleBytes += size - 8;
        blobs.putVirtual(name, size + 200);
        const output: TaskOutput = { shuffleObject: name, partitions, spills: 0, parts: { rejects: [] } };
        const counters = { 'map-records': 10, 'map-emits': 10 };
        await env.state.updateTask(runId, id, commitTask(task.attempt, output, counters, NOW));
        await checkBarrier(env, job, runId, 0, 'map', i);
      };
      if (measured.has(i)) await peak('map', body);
      else await body();
    }
    const afterMap = (await sqlite.getRun(runId))!;
    if (afterMap.phase !== 'reduce') throw new Error(`after the map phase the run is in ${afterMap.phase}`);

    acct.phase = 'reduce';
    const reduceTasks = afterMap.stages[0]!.reduceTasks!;
    const fanIn = DEFAULTS.reduceMergeFanIn;
    for (let t = 0; t < reduceTasks; t++) {
      if (t === Math.floor(reduceTasks / 2))
        await peak('sweeper', () => sweepRun(env, runId).then(() => undefined));
      await peak('reduce', async () => {
        const id = taskId(0, 'reduce', t);
        if (t === reduceTasks - 1) acct.phase = 'reduce→finalize flip';
        const claimed = await env.state.updateTask(
          runId,
          id,
          claimTask({ owner: 'sim', now: NOW, leaseMillis: 60_000 }),
        );
        const task = claimed!.record;
        const split = task.split as ReduceSplit;
        const sources = await readRangeSources(blobs, split); // real index reading
        let level = sources.map((s) => s.lengths.reduce((a, b) => a + b, 0));
        const plan = mergePasses(level.length, fanIn); // the reducer's real merge plan
        passes = Math.max(passes, plan.length);
        for (const [p, pass] of plan.entries()) {
          blobs.countReads(level.length); // each source of the pass: one ranged read
          level = pass.map(([s, e], g) => {
            const bytes = level.slice(s, e).reduce((a, b) => a + b, 0);
            if (e - s > 1) blobs.putVirtual(`tmp/${runId}/stage/reduce/${id}/a1/m${p + 1}-${g}`, bytes);
            return bytes;
          });
        }
        blobs.countReads(level.length); // the final merge
        const part = `tmp/${runId}/stage/records/${id}-a${task.attempt}-0000.ndjson`;
        blobs.putVirtual(part, 1);
        const output: TaskOutput = { parts: { records: [{ name: part, records: 1 }] } };
        await env.state.updateTask(runId, id, commitTask(task.attempt, output, { 'reduce-keys': 1 }, NOW));
        await checkBarrier(env, job, runId, 0, 'reduce', t);
      });
    }

    acct.phase = 'finalize';
    await peak('finalize', () => handleFinalizeMessage(env, { runId, stage: 0 }));
    const done = (await sqlite.getRun(runId))!;
    if (done.status !== 'DONE') throw new Error(`the run ended ${done.status}`);

    let t = 0;
    for (const phase of ['split', 'map', 'map→reduce flip', 'reduce', 'reduce→finalize flip', 'finalize']) {
      const u = acct.byPhase.get(phase);
      if (u) t += phaseSeconds(u.gcsReads, u.gcsWrites + u.gcsOther, t);
    }
    return {
      m,
      r,
      reduceTasks,
      shuffleBytes,
      usage: acct.total(),
      messages: bus.perTopic,
      peaks,
      mergePasses: passes,
      maxWritesPerName: blobs.maxWritesPerName,
      rateSeconds: t,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(results: SizeResult[]): void {
  const mib = (b: number) => (b / MiB).toFixed(1);
  const rows = [
    '| M × R | reduce tasks | shuffle GiB | GCS reads | M × R ÷ reads | GCS writes | GCS list/stat | Datastore reads | Datastore writes (commits) | Pub/Sub msgs (map/reduce) | heap MiB split / map / reduce / finalize / sweeper | merge passes | request-rate time |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const x of results) {
    const u = x.usage;
    rows.push(
      `| ${x.m.toLocaleString('en')} × ${x.r.toLocaleString('en')} | ${x.reduceTasks} | ${(x.shuffleBytes / 2 ** 30).toFixed(1)} | ` +
        `${u.gcsReads.toLocaleString('en')} | ${Math.round((x.m * x.r) / u.gcsReads)}× | ${u.gcsWrites.toLocaleString('en')} | ${u.gcsOther} | ` +
        `${u.dsReads.toLocaleString('en')} | ${u.dsWrites.toLocaleString('en')} (${u.dsCommits.toLocaleString('en')}) | ` +
        `${u.messages.toLocaleString('en')} (${x.messages.map ?? 0}/${x.messages.reduce ?? 0}) | ` +
        `${mib(x.peaks.split)} / ${mib(x.peaks.map)} / ${mib(x.peaks.reduce)} / ${mib(x.peaks.finalize)} / ${mib(x.peaks.sweeper)} | ` +
        `${x.mergePasses} | ${x.rateSeconds.toFixed(1)} s |`,
    );
  }
  console.log(rows.join('\n'));
  const maxWrites = Math.max(...results.map((x) => x.maxWritesPerName));
  console.log(
    `\nwrites per object name: at most ${maxWrites}; simulation wall time: ${results.map((x) => `${x.m}×${x.r} ${x.seconds.toFixed(0)} s`).join(', ')}`,
  );
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc)
    throw new Error('Run with node --expose-gc (npm run simulate:scale does).');
  const sizes = args.sizes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const results: SizeResult[] = [];
  for (const [m, r] of sizes) {
    const result = await simulate(m, r);
    console.error(`${m} × ${r}: done in ${result.seconds.toFixed(0)} s`);
    results.push(result);
  }
  console.log(
    `\nscale simulation: ${args['map-mib']} MiB per map object (±25 %), fan-in ${DEFAULTS.reduceMergeFanIn}, ` +
      `reduce target ${DEFAULTS.reduceTaskTargetBytes / MiB} MiB, index entries ≤ ${DEFAULTS.reduceIndexEntries.toLocaleString('en')}\n`,
  );
  report(results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
