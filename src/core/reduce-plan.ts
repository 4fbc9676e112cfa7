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
  // Cut for the workers when the shuffle is under the byte target: range k closes at the partition
  // boundary NEAREST k/minTasks of the bytes, so partitions of slightly unequal sizes make minTasks
  // ranges, not one more (10, 9, 11 and 10 bytes for 2 workers: [0,2) [2,4), not [0,2) [2,3) [3,4)).
  const balanced = minTasks > 1 && Math.ceil(total / minTasks) < options.targetBytes;
  const ranges: PartitionRange[] = [];
  let first = 0;
  let bytes = 0;
  let before = 0; // bytes of the partitions before p
  for (let p = 0; p < partitions; p++) {
    const size = partitionBytes[p]!;
    const boundary = ((ranges.length + 1) * total) / minTasks;
    const over = bytes + size > options.targetBytes || (balanced && before + size / 2 > boundary);
    const full = p > first && (over || p - first >= maxPartitions);
    if (full) {
      ranges.push({ first, end: p });
      first = p;
      bytes = 0;
    }
    bytes += size;
    before += size;
  }
  ranges.push({ first, end: partitions });
  return ranges;
}
