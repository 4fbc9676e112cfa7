// How `query --dev` and `ingest --dev` reach the running `cloudreduce dev`: through DATA_DIR/dev.json
// (src/cloud/dev-state.ts), the same file and the same "not running" errors as `submit` and
// `status --dev` (src/cloud/cloud-target.ts), plus what the two commands need from it: the BigQuery
// fake and its dataset, the GCS fake and the incoming bucket.

import { ConfigError } from '../core/errors.ts';
import type { CloudConfig } from '../cloud/config.ts';
import type { DevState } from '../cloud/dev-state.ts';

export interface DevTarget {
  state: DevState;
  config: CloudConfig;
}

const OTHER_TARGET = ', or target a real project with --project PROJECT_ID.';

/**
 * The running dev cloud of dataDir; a ConfigError saying how to start one otherwise. `instead`
 * replaces the error's "or target a real project with --project" for commands without --project.
 */
export async function devTarget(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  instead?: string,
): Promise<DevTarget> {
  const { readDevState } = await import('../cloud/dev-state.ts');
  let target: DevTarget;
  try {
    target = readDevState(dataDir);
  } catch (err) {
    if (instead !== undefined && err instanceof ConfigError && err.message.endsWith(OTHER_TARGET))
      throw new ConfigError(`${err.message.slice(0, -OTHER_TARGET.length)}, or ${instead}.`);
    throw err;
  }
  // The clients would probe for a GCE metadata server (and warn) before using the fakes.
  env.METADATA_SERVER_DETECTION ??= 'none';
  return target;
}
