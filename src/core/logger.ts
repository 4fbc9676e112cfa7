// A tiny injectable logger. The core and adapters never call `console`; the local runtime and the
// cloud functions each provide a sink (pretty text vs. one JSON object per line with `severity`).

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `labels` (run id, task id…) to every entry. */
  child(labels: LogFields): Logger;
}

export type LogSink = (severity: Severity, message: string, fields: LogFields) => void;

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

export function createLogger(sink: LogSink, minSeverity: Severity = 'INFO', labels: LogFields = {}): Logger {
  const log = (severity: Severity, message: string, fields?: LogFields): void => {
    if (ORDER[severity] < ORDER[minSeverity]) return;
    sink(severity, message, { ...labels, ...fields });
  };
  return {
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARNING', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (more) => createLogger(sink, minSeverity, { ...labels, ...more }),
  };
}

/** Discards everything; the default in tests. */
export const silentLogger: Logger = createLogger(() => {}, 'ERROR');

/** Collects entries in memory; for tests that assert on what was logged. */
export function memoryLogger(): {
  logger: Logger;
  entries: { severity: Severity; message: string; fields: LogFields }[];
} {
  const entries: { severity: Severity; message: string; fields: LogFields }[] = [];
  const logger = createLogger(
    (severity, message, fields) => entries.push({ severity, message, fields }),
    'DEBUG',
  );
  return { logger, entries };
}
