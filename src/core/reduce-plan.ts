// How many reduce tasks a stage gets, and which partitions each covers: contiguous ranges sized by
// the shuffle bytes the map phase wrote, not one task per partition. A reduce task reads each map
// object ONCE for its whole range (partitions are stored in order), so the reads of a stage are
// (map objects × reduce tasks), and reduce tasks follow the data: a small job with R = 1,000 runs
// a handful of tasks, not a thousand that each read M ranges of a few bytes.

export interface ReducePlanOptions {
  /** Shuffle bytes a reduce task aims to read (DEFAULTS.reduceTaskTargetBytes). */
  targetBytes: number;
  /**
   * Bound on (map objects × partitions) per task: the task's slice of the index is that many
   * entries, so this bounds its memory whatever M is (DEFAULTS.reduceIndexEntries).
   */
  maxIndexEntries: number;
  /**
   * At least this many tasks when there are partitions enough (EngineEnv.reduceMinTasks): a local
   * run with N workers splits a small shuffle N ways so that every worker reduces. Default 1.
   */
  minTasks?: number;
}

/** A reduce task's partitions: [first, end). */
export interface PartitionRange {
  first: number;
  end: number;
}

/**
 * Greedy contiguous ranges: a range closes when adding the next partition would pass the byte
 * target (a single partition over the target gets a task of its own) or the index-entry bound.
 * Empty stages still get one task (it reads nothing and writes empty outputs).
 */
export function planReduceRanges(
  partitionBytes: readonly number[],
  sources: number,
  options: ReducePlanOptions,
): PartitionRange[] {
  const partitions = partitionBytes.length;
  if (partitions === 0) return [];
  const maxPartitions = Math.max(1, Math.floor(options.maxIndexEntries / Math.max(1, sources)));
  let total = 0;
  for (const size of partitionBytes) total += size;
  const minTasks = Math.min(options.minTasks ?? 1, partitions);
  const targetBytes =
    minTasks > 1 ? Math.min(options.targetBytes, Math.ceil(total / minTasks)) : options.targetBytes;
  const ranges: PartitionRange[] = [];
  let first = 0;
  let bytes = 0;
  for (let p = 0; p < partitions; p++) {
    const size = partitionBytes[p]!;
    const full = p > first && (bytes + size > targetBytes || p - first >= maxPartitions);
    if (full) {
      ranges.push({ first, end: p });
      first = p;
      bytes = 0;
    }
    bytes += size;
  }
  ranges.push({ first, end: partitions });
  return ranges;
}
