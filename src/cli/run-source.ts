// Where `status`, `logs` and `submit --wait` read runs from: the local data dir (runs of
// `cloudreduce run`), the running dev cloud (--dev) or a deployed project's Datastore (--project).
// The cloud side loads the Google Cloud clients, so it is imported only when asked for.

import { ConfigError } from '../core/errors.ts';
import type { RunRecord } from '../core/records.ts';
import type { StateStore } from '../ports/state-store.ts';
import { runLiveness } from '../runtime/run-owner.ts';
import { openLocalStateIfAny } from './local-state.ts';

export const TARGET_OPTIONS = {
  dev: { type: 'boolean' },
  project: { type: 'string' },
  namespace: { type: 'string' },
  database: { type: 'string' },
} as const;

export interface TargetValues {
  dev?: boolean | undefined;
  project?: string | undefined;
  namespace?: string | undefined;
  database?: string | undefined;
}

export interface RunSource {
  /** Undefined for a local data dir where no run was ever started. */
  state: StateStore | undefined;
  /** "DATA_DIR", "the dev cloud", "project P": for messages. */
  where: string;
  kind: 'local' | 'dev' | 'project';
  dataDir: string;
  /** The flags that name this source again, for hints (" --dev", " --project P", ""). */
  flags: string;
  /** How a RUNNING run is doing: locally whether a process still holds it. */
  running(run: RunRecord): string;
  close(): Promise<void>;
}

export async function openRunSource(
  values: TargetValues,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<RunSource> {
  if (!values.dev && values.project === undefined) {
    if (values.namespace !== undefined || values.database !== undefined)
      throw new ConfigError('--namespace and --database need --dev or --project ID.');
    const state = openLocalStateIfAny(dataDir);
    const dataDirFlag = dataDir !== '.cloudreduce' ? ` --data-dir ${dataDir}` : '';
    return {
      state,
      where: dataDir,
      kind: 'local',
      dataDir,
      flags: dataDirFlag,
      running: (run) => localRunning(dataDir, run.runId, dataDirFlag),
      close: async () => state?.close(),
    };
  }
  if (values.dev && values.project !== undefined)
    throw new ConfigError('Use either --dev or --project ID, not both.');
  const { openTargetState, resolveTarget } = await import('../cloud/cloud-target.ts');
  const target = resolveTarget(
    {
      dataDir,
      ...(values.project !== undefined ? { project: values.project } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      ...(values.database !== undefined ? { database: values.database } : {}),
    },
    env,
  );
  const state = openTargetState(target);
  return {
    state,
    where: target.label,
    kind: values.dev ? 'dev' : 'project',
    dataDir,
    flags: values.dev ? ' --dev' : ` --project ${values.project}`,
    running: () => 'still running',
    close: async () => state.close?.(),
  };
}

function localRunning(dataDir: string, runId: string, dataDirFlag: string): string {
  const liveness = runLiveness(dataDir, runId);
  if (liveness.state === 'held') return `still running in process ${liveness.owner.pid}`;
  if (liveness.state === 'unknown')
    return `held by process ${liveness.owner.pid} on ${liveness.owner.host}; cannot check it from here`;
  return `interrupted: no process holds it; resume with cloudreduce resume ${runId}${dataDirFlag}`;
}
