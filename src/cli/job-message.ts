// The flags `run` and `submit` share, turned into a job message the same way for both, with bad
// params refused before anything starts or is sent.

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
  const shards = parseCount('--shards', values.shards);
  const partitions = parseCount('--partitions', values.partitions);
  if (shards !== undefined) message.shards = shards;
  if (partitions !== undefined) message.partitions = partitions;
  if (values['memory-budget'])
    message.memoryBudgetBytes = parseBytes('--memory-budget', values['memory-budget']);
  return message;
}
