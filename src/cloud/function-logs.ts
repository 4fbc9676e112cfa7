// The dev cloud's stand-in for Cloud Logging: `cloudreduce dev` appends every structured entry its
// function processes print to <data-dir>/function-logs/<function>.ndjson, with the time it was
// printed and the function's name, so `cloudreduce logs RUN --dev` can find a run's entries after
// the terminal has scrolled past them. Lines that are not JSON entries (framework start-up text)
// are only shown in the terminal.

import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogEntryView } from './log-entry.ts';
import { LABELS_KEY } from './json-logger.ts';

/** The recorded line's place in the order the dev cloud received lines (one writer per `dev`). */
const ARRIVAL_KEY = 'logArrival';

export function functionLogsDir(dataDir: string): string {
  return join(resolve(dataDir), 'function-logs');
}

/** Records one line a function printed; never throws (a full disk must not stop the dev cloud). */
export function functionLogWriter(dataDir: string): (fn: string, line: string) => void {
  const dir = functionLogsDir(dataDir);
  let ready = false;
  // Order of arrival: two functions' entries printed in the same millisecond read back in the order
  // they were recorded, not in the order the files happen to be listed.
  let arrival = 0;
  return (fn, line) => {
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry !== 'object' || entry === null || !('message' in entry)) return;
      if (!ready) mkdirSync(dir, { recursive: true });
      ready = true;
      appendFileSync(
        join(dir, `${fn}.ndjson`),
        `${JSON.stringify({ time: new Date().toISOString(), function: fn, ...entry, [ARRIVAL_KEY]: arrival++ })}\n`,
      );
    } catch {
      // not an entry, or the write failed: the terminal still shows the line
    }
  };
}

/** A run's entries from every function's log, oldest first; undefined when there are no logs at all. */
export function readFunctionLogs(
  dataDir: string,
  runId: string,
  taskId?: string,
): LogEntryView[] | undefined {
  const dir = functionLogsDir(dataDir);
  if (!existsSync(dir)) return undefined;
  const entries: { view: LogEntryView; arrival: number }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ndjson'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const labels = (raw[LABELS_KEY] ?? {}) as Record<string, string>;
      if (labels.runId !== runId || (taskId !== undefined && labels.taskId !== taskId)) continue;
      entries.push({
        view: {
          time: String(raw.time),
          severity: String(raw.severity ?? 'DEFAULT'),
          message: String(raw.message),
          function: String(raw.function),
          ...(labels.taskId ? { taskId: labels.taskId } : {}),
          ...(typeof raw.stack_trace === 'string' ? { stack: raw.stack_trace } : {}),
        },
        arrival: typeof raw[ARRIVAL_KEY] === 'number' ? raw[ARRIVAL_KEY] : 0,
      });
    }
  }
  return entries
    .sort((a, b) => a.view.time.localeCompare(b.view.time) || a.arrival - b.arrival)
    .map((e) => e.view);
}
