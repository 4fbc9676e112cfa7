// How `query --dev` and `ingest --dev` reach the running `cloudreduce dev`: through DATA_DIR/dev.json
// (src/cloud/dev-state.ts), the same file and the same "not running" errors as `submit` and
// `status --dev` (src/cloud/cloud-target.ts), plus what the two commands need from it: the BigQuery
// fake and its dataset, the GCS fake and the incoming bucket.

import type { CloudConfig } from '../cloud/config.ts';
import type { DevState } from '../cloud/dev-state.ts';

export interface DevTarget {
  state: DevState;
  config: CloudConfig;
}

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
  const target: DevTarget = instead === undefined ? readDevState(dataDir) : readDevState(dataDir, instead);
  // The clients would probe for a GCE metadata server (and warn) before using the fakes.
  env.METADATA_SERVER_DETECTION ??= 'none';
  return target;
}
