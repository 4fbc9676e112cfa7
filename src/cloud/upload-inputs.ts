// `submit` to the dev cloud with local input files: the functions read gs:// URIs only, so local
// paths and globs are uploaded to the dev cloud's incoming bucket, under uploads/<runId>/, and the
// job reads that folder. A real project's inputs must already be in Cloud Storage.

import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createStorage } from '../adapters/gcp/gcs-client.ts';
import { FsInputFiles } from '../adapters/local/fs-input-files.ts';

export interface Uploaded {
  /** The inputs for the job message: gs:// ones unchanged, local ones replaced by one folder. */
  inputs: string[];
  files: number;
  bytes: number;
}

export async function uploadLocalInputs(
  inputs: readonly string[],
  target: { gcsEndpoint: string; bucket: string },
  runId: string,
  cwd: string,
): Promise<Uploaded> {
  const remote = inputs.filter((i) => i.startsWith('gs://'));
  const local = inputs.filter((i) => !i.startsWith('gs://'));
  if (local.length === 0) return { inputs: remote, files: 0, bytes: 0 };
  const files = await new FsInputFiles(cwd).expand(local);
  const bucket = createStorage({ apiEndpoint: target.gcsEndpoint, projectId: 'cloudreduce-dev' }).bucket(
    target.bucket,
  );
  const folder = `uploads/${runId}/`;
  let bytes = 0;
  const used = new Set<string>();
  for (const [i, file] of files.entries()) {
    // Keep the path the user wrote, minus anything that would climb out of the folder.
    let name = file.uri
      .replace(/\\/g, '/')
      .replace(/^(\.\.?\/|\/)+/, '')
      .replaceAll('../', '');
    if (used.has(name)) name = `${i}-${name}`;
    used.add(name);
    await pipeline(
      createReadStream(resolve(cwd, file.uri)),
      bucket.file(folder + name).createWriteStream({ resumable: false }),
    );
    bytes += file.size;
  }
  return { inputs: [...remote, `gs://${target.bucket}/${folder}`], files: files.length, bytes };
}
