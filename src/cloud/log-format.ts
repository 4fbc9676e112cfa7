// How `cloudreduce dev` shows the functions' structured logs in a terminal: one short line per
// entry with the time, function, severity, message and the run/task it is about.

const LABELS = 'logging.googleapis.com/labels';

export function formatLogLine(fn: string, line: string, now: Date = new Date()): string {
  const time = now.toISOString().slice(11, 19);
  let entry: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed)
      entry = parsed as Record<string, unknown>;
  } catch {
    // framework output or a stack trace line: shown as is
  }
  if (!entry) return `${time} [${fn}] ${line}`;
  const labels = (entry[LABELS] ?? {}) as Record<string, string>;
  const where = [labels.runId, labels.taskId].filter(Boolean).join(' ');
  const severity = String(entry.severity ?? 'INFO').padEnd(7);
  return `${time} [${fn}] ${severity} ${String(entry.message)}${where ? ` (${where})` : ''}`;
}
