// The flags `run` and `submit` share, turned into a job message the same way for both, with bad
// params refused before anything starts or is sent.

import { LIMITS } from '../core/defaults.ts';
import { ConfigError } from '../core/errors.ts';
import type { Job } from '../core/job.ts';
import type { JobMessage } from '../core/messages.ts';
import { parseParamArgs, resolveParams } from '../core/params.ts';
import { parseBytes, parseCount } from './args.ts';

export const JOB_MESSAGE_OPTIONS = {
  param: { type: 'string', multiple: true },
  shards: { type: 'string' },
  partitions: { type: 'string' },
  'memory-budget': { type: 'string' },
  'run-id': { type: 'string' },
} as const;

export interface JobMessageFlags {
  param?: string[];
  shards?: string;
  partitions?: string;
  'memory-budget'?: string;
}

export function jobMessageFromFlags(job: Job, values: JobMessageFlags, origin: string): JobMessage {
  const message: JobMessage = { job: job.name, origin, params: parseParamArgs(values.param ?? []) };
  resolveParams(job.name, job.params, message.params ?? {}, new Date());
  const shards = bounded('--shards', values.shards, LIMITS.maxShards);
  const partitions = bounded('--partitions', values.partitions, LIMITS.maxPartitions);
  if (shards !== undefined) message.shards = shards;
  if (partitions !== undefined) message.partitions = partitions;
  if (values['memory-budget']) {
    const bytes = parseBytes('--memory-budget', values['memory-budget']);
    if (bytes < LIMITS.minMemoryBudgetBytes) {
      throw new ConfigError(
        `--memory-budget ${values['memory-budget']} is too small; use at least ${LIMITS.minMemoryBudgetBytes / 1024}KiB.`,
      );
    }
    message.memoryBudgetBytes = bytes;
  }
  return message;
}

// The same bounds the run applies, checked here so a bad flag never becomes a REJECTED run.
function bounded(flag: string, text: string | undefined, max: number): number | undefined {
  const n = parseCount(flag, text);
  if (n !== undefined && (n < 1 || n > max))
    throw new ConfigError(`${flag} must be a whole number from 1 to ${max}, got "${text}".`);
  return n;
}
