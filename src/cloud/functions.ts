// The deployed functions, in one list: each entry point (the name registered with
// functions-framework and given to `--target` / terraform's `entry_point`) and the topic that
// triggers it. functions/index.ts registers exactly these; the dev cloud and terraform read them.

import type { Topic } from '../ports/message-bus.ts';
import type { CloudConfig } from './config.ts';

export type Trigger = Topic | 'sweep';

export const CLOUD_FUNCTIONS = [
  { name: 'split', trigger: 'jobs' },
  { name: 'map', trigger: 'map' },
  { name: 'reduce', trigger: 'reduce' },
  { name: 'finalize', trigger: 'finalize' },
  { name: 'sweeper', trigger: 'sweep' },
] as const satisfies readonly { name: string; trigger: Trigger }[];

export type FunctionName = (typeof CLOUD_FUNCTIONS)[number]['name'];

/**
 * Function modules under functions/ that exist and are tested but are not deployed or wired into
 * the dev cloud yet: ingest (HTTP and incoming-bucket events) still needs its terraform and dev
 * triggers (issue 5). Listed so the registration test fails on anything else left out.
 */
export const NOT_YET_DEPLOYED = ['ingest'] as const;

/** The entry points, for terraform tests and `--target`. */
export const FUNCTION_NAMES: readonly FunctionName[] = CLOUD_FUNCTIONS.map((f) => f.name);

/** The Pub/Sub topic id that triggers a function under `config`. */
export function triggerTopic(config: Pick<CloudConfig, 'topics' | 'sweepTopic'>, trigger: Trigger): string {
  return trigger === 'sweep' ? config.sweepTopic : config.topics[trigger];
}
