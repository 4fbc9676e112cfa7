// Messages between the local runtime (main thread) and its task workers.

import type { ErrorInfo } from '../core/errors.ts';
import type { LogFields, Severity } from '../core/logger.ts';
import type { IncomingMessage, OutgoingMessage, Topic } from '../ports/message-bus.ts';

export interface WorkerInit {
  dataDir: string;
  cwd: string;
  userModules: string[];
  workerId: string;
  leaseMillis: number;
  taskBudgetMillis?: number;
  reduceTaskBytes?: number;
  reduceFanIn?: number;
  reduceMinTasks?: number;
}

export type ToWorker =
  | { type: 'task'; id: number; topic: Topic; message: IncomingMessage }
  | { type: 'published'; id: number; ids?: string[]; error?: ErrorInfo };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; error?: ErrorInfo }
  | { type: 'publish'; id: number; topic: Topic; messages: OutgoingMessage[] }
  | { type: 'progress'; runId: string; taskId: string; records: number }
  | { type: 'log'; severity: Severity; message: string; fields: LogFields };
