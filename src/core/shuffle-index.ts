// The shuffle index: built once, when the map phase of a stage is done, by whoever flips it. It
// transposes the committed map records (each holds one byte range per partition) into objects a
// reduce task can read ITS partitions from, with a few ranged reads, instead of every reducer
// loading every map record (about 51 KB each at R = 1,000: 1 GB at M = 20,000).
//
// One index page object per page of INDEX_PAGE_TASKS committed map tasks, written under
// tmp/<runId>/<stage>/index/p<page>:
//
//   line 0      JSON array of the page's shuffle object names (task order, then slice order)
//   line 1 + p  JSON flat array [source, offset, length, …] of partition p's non-empty ranges
//
// A reduce task's record holds, per page, the byte offsets of line 0's end and of the lines of its
// partition range, so it reads the names and then exactly its lines: two ranged reads per page.
// The builder holds one page of map records at a time; its memory does not grow with M.

import type { BlobStore } from '../ports/blob-store.ts';
import type { StateStore } from '../ports/state-store.ts';
import type { Counters } from './records.ts';
import { committedOutputs } from './records.ts';
import type { PartitionRange } from './reduce-plan.ts';
import { sumCounters } from './task-state.ts';

/** Map task records read per page while the index is built (each up to ~51 KB at R = 1,000). */
export const INDEX_PAGE_TASKS = 250;

export interface IndexPage {
  /** Byte where line 0 (the names) ends. */
  namesEnd: number;
  /** starts[p]: byte where partition p's line starts; starts[R] is the object's size. */
  starts: number[];
  /** Sources on this page. */
  sources: number;
}

export interface ShuffleIndex {
  prefix: string;
  pages: IndexPage[];
  /** Shuffle bytes per partition, summed over all sources. */
  partitionBytes: number[];
  /** Committed shuffle objects (map tasks × their slices). */
  sources: number;
  /** Map counters summed over committed map tasks. */
  mapCounters: Counters;
}

/** What a reduce task record carries to find its part of the index (TaskRecord.split). */
export interface ReduceSplit {
  first: number;
  end: number;
  index: string;
  /** Per index page with bytes in the range: [page, names end, first line start, end line start]. */
  pages: [number, number, number, number][];
}

/** A source of a reduce task: one shuffle object and the lengths of its partitions [first, end). */
export interface RangeSource {
  name: string;
  /** Byte where partition `first` starts in the object. */
  offset: number;
  lengths: number[];
}

export function indexPrefix(runId: string, stageName: string): string {
  return `tmp/${runId}/${stageName}/index`;
}

export function pageName(prefix: string, page: number): string {
  return `${prefix}/p${String(page).padStart(5, '0')}`;
}

/**
 * Writes the index pages of a stage whose map tasks are all DONE. Deterministic, so racing
 * builders write the same bytes: pages are created only if absent and an existing one is kept.
 */
export async function buildShuffleIndex(
  state: StateStore,
  blobs: BlobStore,
  opts: { runId: string; stage: number; stageName: string; partitions: number },
): Promise<ShuffleIndex> {
  const prefix = indexPrefix(opts.runId, opts.stageName);
  const partitionBytes = new Array<number>(opts.partitions).fill(0);
  const pages: IndexPage[] = [];
  let mapCounters: Counters = {};
  let sources = 0;
  let cursor: string | undefined;
  do {
    const page = await state.listTasksPage(
      opts.runId,
      { stage: opts.stage, phase: 'map', state: 'DONE' },
      cursor === undefined ? { limit: INDEX_PAGE_TASKS } : { limit: INDEX_PAGE_TASKS, cursor },
    );
    cursor = page.cursor;
    mapCounters = sumCounters([mapCounters, ...page.tasks.map((t) => t.counters)]);
    const names: string[] = [];
    const lines: number[][] = Array.from({ length: opts.partitions }, () => []);
    for (const output of page.tasks.flatMap(committedOutputs)) {
      if (!output.shuffleObject || !output.partitions) continue;
      const source = names.length;
      names.push(output.shuffleObject);
      output.partitions.forEach((range, p) => {
        if (range.length === 0 || p >= opts.partitions) return;
        lines[p]!.push(source, range.offset, range.length);
        partitionBytes[p]! += range.length;
      });
    }
    if (names.length === 0) continue;
    const parts = [`${JSON.stringify(names)}\n`, ...lines.map((l) => `${JSON.stringify(l)}\n`)];
    const starts: number[] = [];
    let at = 0;
    for (const part of parts) {
      starts.push(at);
      at += Buffer.byteLength(part);
    }
    starts.push(at);
    await blobs.put(pageName(prefix, pages.length), Buffer.from(parts.join('')), { createOnly: true });
    pages.push({ namesEnd: starts[1]!, starts: starts.slice(1), sources: names.length });
    sources += names.length;
  } while (cursor !== undefined);
  return { prefix, pages, partitionBytes, sources, mapCounters };
}

/** The index part a reduce task covering `range` needs; pages with no bytes in the range are left out. */
export function reduceSplit(index: ShuffleIndex, range: PartitionRange): ReduceSplit {
  const pages: [number, number, number, number][] = [];
  index.pages.forEach((page, i) => {
    const start = page.starts[range.first]!;
    const end = page.starts[range.end]!;
    // An empty line is "[]\n": 3 bytes per partition.
    if (end - start > 3 * (range.end - range.first)) pages.push([i, page.namesEnd, start, end]);
  });
  return { first: range.first, end: range.end, index: index.prefix, pages };
}

/** Reads a reduce task's sources from the index: for each page, its names and its lines. */
export async function readRangeSources(blobs: BlobStore, split: ReduceSplit): Promise<RangeSource[]> {
  const width = split.end - split.first;
  const sources: RangeSource[] = [];
  for (const [page, namesEnd, start, end] of split.pages) {
    const name = pageName(split.index, page);
    const [head, body] = await Promise.all([
      readText(blobs, name, 0, namesEnd),
      readText(blobs, name, start, end),
    ]);
    const names = JSON.parse(head) as string[];
    const bySource = new Map<number, RangeSource>();
    body
      .split('\n')
      .slice(0, width)
      .forEach((line, p) => {
        const flat = JSON.parse(line) as number[];
        for (let i = 0; i < flat.length; i += 3) {
          const source = flat[i]!;
          let entry = bySource.get(source);
          if (!entry) {
            entry = { name: names[source]!, offset: flat[i + 1]!, lengths: new Array<number>(width).fill(0) };
            bySource.set(source, entry);
          }
          entry.lengths[p] = flat[i + 2]!;
        }
      });
    // The entry's offset is its first non-empty partition's; the partitions before it in the
    // range are empty, and an empty partition starts where the next one does, so that is also
    // where partition `first` starts. Sources stay in page (task, slice) order.
    for (const source of [...bySource.keys()].sort((a, b) => a - b)) sources.push(bySource.get(source)!);
  }
  return sources;
}

async function readText(blobs: BlobStore, name: string, start: number, end: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.read(name, { start, end })) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
