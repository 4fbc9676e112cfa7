// What a local run keeps on disk after it stopped: a FAILED run keeps its intermediates (committed
// map output, plan, reduce parts) under blobs/tmp/<runId>/ so that `resume` goes on from them; the
// run that failed on a full disk is exactly the one whose intermediates hold the space a new run
// needs. So a stopped run says how much it keeps and the one command that frees it.

import { join } from 'node:path';
import { FileBlobStore } from '../adapters/local/file-blob-store.ts';
import type { RunRecord } from '../core/records.ts';
import { localPaths } from '../runtime/local-adapters.ts';

export interface KeptIntermediates {
  /** The directory as the user named the data dir, with a trailing slash. */
  where: string;
  bytes: number;
  objects: number;
}

/** The blob prefix under which a run's intermediates live (finalize deletes it when the run is DONE). */
export const intermediatesPrefix = (runId: string): string => `tmp/${runId}/`;

export function runBlobs(dataDir: string): FileBlobStore {
  return new FileBlobStore(localPaths(dataDir).blobs);
}

export async function keptIntermediates(dataDir: string, runId: string): Promise<KeptIntermediates> {
  let bytes = 0;
  let objects = 0;
  for await (const blob of runBlobs(dataDir).list(intermediatesPrefix(runId))) {
    bytes += blob.size;
    objects++;
  }
  return { where: `${join(dataDir, 'blobs', 'tmp', runId)}/`, bytes, objects };
}

/** " --data-dir DIR" unless DIR is the default: what a printed command needs to reach the same runs. */
export function dataDirFlag(dataDir: string): string {
  return dataDir === '.cloudreduce' ? '' : ` --data-dir ${dataDir}`;
}

/** For a FAILED or ABORTED run that keeps intermediates: their size, where, and how to free them. */
export async function intermediatesLines(dataDir: string, run: RunRecord): Promise<string[]> {
  if (run.status !== 'FAILED' && run.status !== 'ABORTED') return [];
  const kept = await keptIntermediates(dataDir, run.runId);
  if (kept.objects === 0) return [];
  const flag = dataDirFlag(dataDir);
  const discard = `cloudreduce discard ${run.runId}${flag}`;
  const size = `intermediates: ${formatBytes(kept.bytes)} in ${kept.objects} objects under ${kept.where}`;
  return run.status === 'FAILED'
    ? [
        `${size}, kept so that \`cloudreduce resume ${run.runId}${flag}\` goes on from them. ` +
          `To give the run up and free the space: ${discard}`,
      ]
    : [`${size}. Free the space with: ${discard}`];
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
