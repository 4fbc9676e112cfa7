// Side inputs: a small earlier-stage output handed whole to every task of a later stage
// (e.g. a total N, or a word → percent table). Loaded once per task before user code runs.

import type { EngineEnv } from './env.ts';
import type { Job } from './job.ts';
import type { RunRecord } from './records.ts';
import { committedParts } from './stage.ts';

export async function loadSideInputs(
  env: EngineEnv,
  job: Job,
  run: RunRecord,
  stageIndex: number,
): Promise<Record<string, unknown[]>> {
  const refs = job.stages[stageIndex]!.def.sideInputs ?? {};
  const side: Record<string, unknown[]> = {};
  for (const [name, ref] of Object.entries(refs)) {
    const records: unknown[] = [];
    for (const part of await committedParts(env.state, job, run, ref.stage, ref.output)) {
      const text = (await env.blobs.get(part)).toString('utf8');
      for (const line of text.split('\n')) if (line !== '') records.push(JSON.parse(line));
    }
    side[name] = records;
  }
  return side;
}
