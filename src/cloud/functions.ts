// The deployed functions, in one list: each entry point (the name registered with
// functions-framework and given to `--target` / terraform's `entry_point`), its deployed id
// (terraform's key, the suffix of the function and service-account names: lowercase, since
// service-account ids allow no capitals), the functions/ module registering it, what triggers it
// and how functions-framework calls it. functions/index.ts registers
// exactly these; the dev cloud and terraform read them.

import type { Topic } from '../ports/message-bus.ts';
import type { CloudConfig } from './config.ts';

/**
 * A Pub/Sub topic (the engine's four, the sweeper's tick, the incoming bucket's object
 * notifications, the dead-letter topic where the other subscriptions put what they gave up on), or
 * 'http' for a function called directly over HTTPS. Named as terraform's local.topics keys.
 */
export type Trigger = Topic | 'sweep' | 'incoming' | 'dead_letter' | 'http';
export type TopicTrigger = Exclude<Trigger, 'http'>;

export const CLOUD_FUNCTIONS = [
  { name: 'split', id: 'split', module: 'split', trigger: 'jobs', signature: 'cloudevent' },
  { name: 'map', id: 'map', module: 'map', trigger: 'map', signature: 'cloudevent' },
  { name: 'reduce', id: 'reduce', module: 'reduce', trigger: 'reduce', signature: 'cloudevent' },
  { name: 'finalize', id: 'finalize', module: 'finalize', trigger: 'finalize', signature: 'cloudevent' },
  { name: 'sweeper', id: 'sweeper', module: 'sweeper', trigger: 'sweep', signature: 'cloudevent' },
  { name: 'ingest', id: 'ingest', module: 'ingest', trigger: 'http', signature: 'http' },
  {
    name: 'ingestObject',
    id: 'ingest-object',
    module: 'ingest',
    trigger: 'incoming',
    signature: 'cloudevent',
  },
  {
    name: 'deadLetter',
    id: 'dead-letter',
    module: 'dead-letter',
    trigger: 'dead_letter',
    signature: 'cloudevent',
  },
] as const satisfies readonly {
  name: string;
  id: string;
  /** The directory under functions/ whose index.ts registers it. */
  module: string;
  trigger: Trigger;
  signature: 'cloudevent' | 'http';
}[];

export type CloudFunction = (typeof CLOUD_FUNCTIONS)[number];
export type FunctionName = CloudFunction['name'];

/** The entry points, for terraform tests and `--target`. */
export const FUNCTION_NAMES: readonly FunctionName[] = CLOUD_FUNCTIONS.map((f) => f.name);

/** The functions a Pub/Sub push subscription delivers to (every one but HTTP ingest). */
export const PUSH_FUNCTIONS = CLOUD_FUNCTIONS.filter(
  (f): f is Extract<CloudFunction, { trigger: TopicTrigger }> => f.trigger !== 'http',
);

/** The Pub/Sub topic id that triggers a function under `config`. */
export function triggerTopic(
  config: Pick<CloudConfig, 'topics' | 'sweepTopic' | 'incomingTopic' | 'deadLetterTopic'>,
  trigger: TopicTrigger,
): string {
  if (trigger === 'sweep') return config.sweepTopic;
  if (trigger === 'dead_letter') return config.deadLetterTopic;
  if (trigger === 'incoming') return config.incomingTopic;
  return config.topics[trigger];
}
