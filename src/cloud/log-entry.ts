// One log entry as `cloudreduce logs` shows it, whichever log it came from (a local run's log
// file, the dev cloud's function logs, Cloud Logging).

export interface LogEntryView {
  time: string;
  severity: string;
  message: string;
  function?: string;
  taskId?: string;
  stack?: string;
}

export function formatLogEntry(e: LogEntryView, withStack = false): string {
  const time = e.time.replace('T', ' ').slice(0, 23);
  const fn = e.function ? ` [${e.function}]` : '';
  const task = e.taskId ? ` (${e.taskId})` : '';
  const line = `${time}${fn} ${e.severity.padEnd(7)} ${e.message}${task}`;
  return withStack && e.stack ? `${line}\n${e.stack.replace(/^/gm, '    ')}` : line;
}
