// The reduce side's bounded fan-in. A reduce task merges at most `fanIn` sources at once: with more
// committed map objects than that, consecutive groups are first merged into intermediate runs
// (objects in the shuffle layout, one partition per partition of the task's range, written under
// attempt-scoped names), pass after pass, until at most `fanIn` remain. Groups are consecutive and
// the merge sends ties to the earlier source, so equal keys keep source order exactly as one big
// merge would. Open connections and read buffers are bounded by `fanIn`, whatever M is.

import type { BlobStore } from '../../ports/blob-store.ts';
import type { RangeSource } from '../shuffle-index.ts';
import { TransientError } from '../errors.ts';
import { mergeSorted } from './build.ts';
import type { CombineFn } from './combine.ts';
import { decodeRecords } from './decoder.ts';
import { ObjectEncoder } from './encoder.ts';
import { PartitionedRead } from './partitioned-read.ts';

/**
 * The groups of each pass for `sources` inputs: pass i merges groups[i][g] = [start, end) of the
 * previous pass's outputs. Empty when `sources <= fanIn`. Pure, so the scale simulation counts the
 * requests of the very plan the reducer runs.
 */
export function mergePasses(sources: number, fanIn: number): [number, number][][] {
  if (!Number.isInteger(fanIn) || fanIn < 2)
    throw new Error(`merge fan-in must be at least 2; got ${fanIn}.`);
  const passes: [number, number][][] = [];
  let n = sources;
  while (n > fanIn) {
    const groups = Math.ceil(n / fanIn);
    const pass: [number, number][] = [];
    for (let g = 0; g < groups; g++)
      pass.push([Math.floor((g * n) / groups), Math.floor(((g + 1) * n) / groups)]);
    passes.push(pass);
    n = groups;
  }
  return passes;
}

export interface BoundedMergeOptions {
  blobs: BlobStore;
  fanIn: number;
  /** Partitions in the task's range (length of every source's `lengths`). */
  partitions: number;
  /** Attempt-scoped name of the intermediate run of (pass, group). */
  runName: (pass: number, group: number) => string;
  combine?: CombineFn;
}

/** Merges `sources` down to at most `fanIn`, returning the sources of the final merge. */
export async function mergeToFanIn(
  sources: readonly RangeSource[],
  options: BoundedMergeOptions,
): Promise<RangeSource[]> {
  let level = sources.filter((s) => s.lengths.some((l) => l > 0));
  const passes = mergePasses(level.length, options.fanIn);
  for (let pass = 0; pass < passes.length; pass++) {
    const next: RangeSource[] = [];
    for (const [g, [start, end]] of passes[pass]!.entries()) {
      const group = level.slice(start, end);
      next.push(
        group.length === 1 ? group[0]! : await mergeGroup(group, options, options.runName(pass + 1, g)),
      );
    }
    level = next;
  }
  return level;
}

/** Opens one ranged read per source, for all partitions of the range (lazily, on first need). */
export function openRanges(blobs: BlobStore, sources: readonly RangeSource[]): PartitionedRead[] {
  return sources.map(
    (s) => new PartitionedRead((start, end) => blobs.read(s.name, { start, end }), s.offset, s.lengths),
  );
}

async function mergeGroup(
  group: readonly RangeSource[],
  options: BoundedMergeOptions,
  name: string,
): Promise<RangeSource> {
  const reads = openRanges(options.blobs, group);
  const encoder = new ObjectEncoder(options.partitions);
  try {
    const merged = mergeSorted(
      encoder,
      options.partitions,
      (p) => reads.map((r) => decodeRecords(r.partition(p))),
      options.combine,
    );
    let written = false;
    const chunks = (async function* () {
      yield* merged;
      written = true;
    })();
    const { created } = await options.blobs.put(name, chunks, { createOnly: true });
    // The name is this attempt's own (every claim, slice continuations included, gets a new
    // attempt number), so an object that exists once this merge was written whole is this very
    // write: the store applied it, lost the answer, and the client's retry found it. Only a name
    // found taken before the merge was sent is someone else's.
    if (!created && !written) {
      throw new TransientError(
        `Intermediate merge run ${name} exists already: another worker holds this attempt. This attempt gives way and the task is retried.`,
      );
    }
  } finally {
    await Promise.allSettled(reads.map((r) => r.close()));
  }
  const index = encoder.index;
  return { name, offset: index[0]?.offset ?? 0, lengths: index.map((r) => r.length) };
}
