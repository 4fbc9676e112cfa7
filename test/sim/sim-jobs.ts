// The jobs the simulator runs: the built-in ones that need no cloud-only input, and small generated
// ones covering what those do not — map-only stages, a side input, entity and table outputs, two
// outputs with hundreds of parts.

import { defineJob, fromStage, input, output, type Values } from '../../src/index.ts';
import { combinerSums, dedupe } from '../../jobs/golden.ts';
import { reverseIndex, reverseIndexSpread } from '../../jobs/reverse-index.ts';
import { wordcount } from '../../jobs/wordcount.ts';
import type { Job } from '../../src/core/job.ts';

/** Map-only: integers → table rows (one part per task, no shuffle). */
export const simSquares = defineJob({
  name: 'sim-squares',
  description: 'simulator: map-only, integers → table',
  input: input.integers(37),
  map(i: number, emit: (row: { n: number; square: number }) => void, ctx) {
    ctx.count('odd', i % 2);
    emit({ n: i, square: i * i });
  },
  outputs: { squares: output.table('sim_squares', { n: 'INT64', square: 'INT64' }, { mode: 'truncate' }) },
});

/**
 * Map-reduce → entities (keyed upserts written by the reduce tasks themselves), summed in the map
 * task first (mapStart/mapEnd): tasks run at once in one process here, slices and dead attempts
 * come and go, and each execution's state must stay its own.
 */
export const simEntities = defineJob({
  name: 'sim-entities',
  description: 'simulator: map-reduce, integers → entities, combined in the mapper',
  input: input.integers(30),
  mapStart: () => new Map<string, number>(),
  map(i: number, _emit: (key: string, n: number) => void, _ctx, sums: Map<string, number>) {
    sums.set(`k${i % 7}`, (sums.get(`k${i % 7}`) ?? 0) + i);
  },
  mapEnd(emit, _ctx, sums) {
    for (const [key, n] of sums) emit(key, n);
  },
  async reduce(key: string, values: Values<number>, emit: (e: unknown) => void) {
    let total = 0;
    for await (const v of values) total += v;
    emit({ key: { kind: 'SimTotal', name: key }, properties: { total } });
  },
  outputs: { totals: output.entities({ kind: 'SimTotal' }) },
});

/** Two stages and a side input: totals by residue, then every number with its residue's total. */
export const simSide = defineJob({
  name: 'sim-side',
  description: 'simulator: two stages, fromStage input and a side input, ndjson output',
  stages: [
    {
      name: 'totals',
      input: input.integers(24),
      map(i: number, emit: (key: number, n: number) => void) {
        emit(i % 3, i);
      },
      combine: (_k: number, ns: number[]) => [ns.reduce((a, b) => a + b, 0)],
      async reduce(
        key: number,
        values: Values<number>,
        emit: (r: { residue: number; total: number }) => void,
      ) {
        let total = 0;
        for await (const v of values) total += v;
        emit({ residue: key, total });
      },
    },
    {
      name: 'join',
      input: input.integers(24),
      sideInputs: { totals: fromStage('totals') },
      map(i: number, emit: (r: { n: number; total: number }) => void, ctx) {
        const totals = ctx.side.totals as { residue: number; total: number }[];
        emit({ n: i, total: totals.find((t) => t.residue === i % 3)!.total });
      },
      outputs: { joined: output.ndjson() },
    },
  ],
});

/** Text lines cut into tiny splits (8 bytes minimum), so listings of different files cut differently. */
export const simLines = defineJob({
  name: 'sim-lines',
  description: 'simulator: text files in small splits → lines and words per file',
  input: input.text(undefined, { minSplitBytes: 8 }),
  map(line: { file: string; text: string }, emit: (file: string, words: number) => void) {
    emit(line.file, line.text.split(' ').filter(Boolean).length);
  },
  async reduce(
    file: string,
    counts: Values<number>,
    emit: (r: { file: string; lines: number; words: number }) => void,
  ) {
    let lines = 0;
    let words = 0;
    for await (const c of counts) {
      lines++;
      words += c;
    }
    emit({ file, lines, words });
  },
  outputs: { files: output.ndjson() },
});

/**
 * Map-only, a part per output per map task (or slice): as many parts as shards for finalize to
 * publish, in two outputs (finalize records the first as finished before it does the second).
 */
export const simParts = defineJob({
  name: 'sim-parts',
  description: 'simulator: map-only, integers → two ndjson outputs, a part per task',
  input: input.integers(400),
  map(n: number, emit: (r: { n: number }, output: string) => void) {
    emit({ n }, 'rows');
    if (n % 2 === 0) emit({ n }, 'evens');
  },
  outputs: { rows: output.ndjson(), evens: output.ndjson() },
});

const sums = combinerSums({ combine: true, name: 'combiner-sums' });

/** Jobs whose input is text files (the simulator writes them and may land one more mid-run). */
export const TEXT_JOBS: readonly Job[] = [wordcount, reverseIndex, reverseIndexSpread, simLines, simLines];
export const OTHER_JOBS: readonly Job[] = [dedupe, sums, simSquares, simEntities, simSide, simParts];
export const ALL_JOBS: readonly Job[] = [...new Set([...TEXT_JOBS, ...OTHER_JOBS])];

/** A job that is deployed when its run starts and undeployed while the run is under way. */
export const simUndeployed = defineJob({
  name: 'sim-undeployed',
  description: 'simulator: removed from the registry while its run is running',
  input: input.integers(10),
  map(i: number, emit: (r: { n: number }) => void) {
    emit({ n: i });
  },
  outputs: { out: output.ndjson() },
});
