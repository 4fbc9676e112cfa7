// The log of a local run: every entry (INFO and up) that names a run is appended as one JSON object
// to <data-dir>/logs/<runId>.ndjson, so `cloudreduce logs RUN` can show it after the terminal that
// ran it is gone, as Cloud Logging does for the functions. Worker threads forward their entries to
// the main thread's logger, so one writer appends and lines never interleave.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, type LogFields, type Logger, type Severity } from '../core/logger.ts';

export interface RunLogEntry extends LogFields {
  time: string;
  severity: Severity;
  message: string;
  runId: string;
  taskId?: string;
}

export function runLogPath(dataDir: string, runId: string): string {
  return join(resolve(dataDir), 'logs', `${runId}.ndjson`);
}

const RECORDED: readonly Severity[] = ['INFO', 'WARNING', 'ERROR'];

/**
 * A logger that writes to `inner` as before and also records run entries in their run's log file.
 * Recording must never break the run: a write that fails is dropped (and said once on `inner`).
 */
export function recordingLogger(dataDir: string, inner: Logger): Logger {
  const dir = join(resolve(dataDir), 'logs');
  let warned = false;
  return createLogger((severity, message, fields) => {
    const method = severity === 'WARNING' ? 'warn' : (severity.toLowerCase() as 'debug' | 'info' | 'error');
    inner[method](message, fields);
    const runId = fields.runId;
    if (typeof runId !== 'string' || !RECORDED.includes(severity)) return;
    try {
      mkdirSync(dir, { recursive: true });
      const entry = { time: new Date().toISOString(), severity, message, ...fields };
      appendFileSync(runLogPath(dataDir, runId), `${JSON.stringify(entry, replacer)}\n`);
    } catch (err) {
      if (!warned) inner.warn(`cannot write the run log in ${dir}: ${(err as Error).message}`);
      warned = true;
    }
  }, 'DEBUG');
}

/** The entries of a run's log, optionally only one task's; undefined when the run has no log. */
export function readRunLog(dataDir: string, runId: string, taskId?: string): RunLogEntry[] | undefined {
  const path = runLogPath(dataDir, runId);
  if (!existsSync(path)) return undefined;
  const entries: RunLogEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as RunLogEntry;
      if (taskId === undefined || entry.taskId === taskId) entries.push(entry);
    } catch {
      // a line cut short by a killed process: the rest of the log is still worth showing
    }
  }
  return entries;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
