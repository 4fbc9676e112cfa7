// The functions' log sink: one JSON object per line on stdout, the structured-logging format Cloud
// Logging parses from Cloud Run functions. `severity` and `message` become the entry's severity and
// text; run/task identifiers go to `logging.googleapis.com/labels` so the log explorer can filter
// a run or a task; an error's stack goes to `stack_trace`, which Error Reporting picks up.

import { createLogger, type LogFields, type Logger, type LogSink, type Severity } from '../core/logger.ts';

/** Fields that identify work; they become entry labels (string values) instead of payload. */
export const LABEL_FIELDS = [
  'function',
  'topic',
  'messageId',
  'runId',
  'taskId',
  'job',
  'stage',
  'phase',
  'attempt',
] as const;

export const LABELS_KEY = 'logging.googleapis.com/labels';

export function jsonLogSink(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): LogSink {
  return (severity, message, fields) => {
    // A logger must never throw into the code that logs: fall back to a minimal entry.
    let line: string;
    try {
      line = JSON.stringify(toEntry(severity, message, fields), replacer);
    } catch (err) {
      line = JSON.stringify({ severity, message, logError: `fields not serialisable: ${String(err)}` });
    }
    write(line);
  };
}

export function createJsonLogger(minSeverity: Severity = 'INFO', write?: (line: string) => void): Logger {
  return createLogger(jsonLogSink(write), minSeverity);
}

function toEntry(severity: Severity, message: string, fields: LogFields): Record<string, unknown> {
  const entry: Record<string, unknown> = { severity, message };
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if ((LABEL_FIELDS as readonly string[]).includes(key)) labels[key] = String(value);
    else if (key !== 'severity' && key !== 'message') entry[key] = value;
  }
  if (Object.keys(labels).length) entry[LABELS_KEY] = labels;
  const stack = stackOf(fields.error);
  if (stack && (severity === 'ERROR' || severity === 'WARNING')) entry.stack_trace = stack;
  return entry;
}

function stackOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const stack = (error as { stack?: unknown }).stack;
  return typeof stack === 'string' ? stack : undefined;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
