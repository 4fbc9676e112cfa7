// The small error set every layer agrees on. Errors cross worker-thread and process boundaries
// (structured clone, JSON in task records), so they are recognised by `name`, never by `instanceof`
// alone.

export type ErrorKind = 'ConfigError' | 'NonRetryableError' | 'TransientError' | 'InputError';

/** Bad configuration or bad request: a user must change something. Never retried. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Retrying cannot help (a corrupt record, a mapper bug the user flagged as permanent). The task is
 * recorded as failed and the run fails at once; the message is acknowledged.
 */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A record that cannot be parsed; permanent unless the job opts into skip-and-count. */
export class InputError extends Error {
  override name = 'InputError' as const;
  readonly file: string;
  readonly line: number | undefined;
  constructor(message: string, where: { file: string; line?: number }, options?: { cause?: unknown }) {
    super(message, options);
    this.file = where.file;
    this.line = where.line;
  }
}

/** Worth another try later (a lost lease, a busy backend). Messages carrying it are redelivered. */
export class TransientError extends Error {
  override name = 'TransientError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const PERMANENT = new Set(['ConfigError', 'NonRetryableError', 'InputError']);

/**
 * True for errors that must not be retried, recognised by name so it works across threads. A full
 * disk is one too, whatever its class: a retry a few seconds later meets the same full disk, and
 * retrying for minutes only hides it (the run would sit RUNNING with no error).
 */
export function isPermanent(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  return PERMANENT.has(String((err as { name?: unknown }).name)) || isDiskFull(err);
}

const DISK_FULL = /\bENOSPC\b|No space left on device|SQLITE_FULL|database or disk is full/i;

/** A write failed because the disk (or the quota) is full: ENOSPC, or DuckDB's and SQLite's words for it. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'ENOSPC' || code === 'SQLITE_FULL' || DISK_FULL.test(String(message ?? ''))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export const DISK_FULL_ADVICE =
  'The disk is full. Free space on it (locally, a failed run keeps its intermediates under the data ' +
  "directory's blobs/tmp/<runId>/ so it can be resumed; `cloudreduce discard <runId>` deletes those " +
  'of a run you will not resume), ' +
  'then resume the run with `cloudreduce resume <runId>` or run the job again.';

/** A JSON-safe description of an error, kept on task and run records. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** Where in the input the failure happened, e.g. "data/a.txt:120" or "Tweet key 123". */
  position?: string;
  cause?: ErrorInfo;
}

export function toErrorInfo(err: unknown, position?: string): ErrorInfo {
  if (err instanceof Error) {
    const full = isDiskFull(err) && !err.message.includes(DISK_FULL_ADVICE);
    const info: ErrorInfo = {
      name: err.name,
      message: full ? `${err.message}. ${DISK_FULL_ADVICE}` : err.message,
    };
    if (err.stack) info.stack = err.stack;
    const pos = position ?? (err instanceof InputError ? formatPosition(err.file, err.line) : undefined);
    if (pos) info.position = pos;
    if (err.cause !== undefined) info.cause = toErrorInfo(err.cause);
    return info;
  }
  const info: ErrorInfo = { name: 'Error', message: String(err) };
  if (position) info.position = position;
  return info;
}

/** Rebuilds an Error from an ErrorInfo, keeping its name so `isPermanent` still works. */
export function fromErrorInfo(info: ErrorInfo): Error {
  const err = new Error(info.message);
  err.name = info.name;
  if (info.stack) err.stack = info.stack;
  if (info.cause) err.cause = fromErrorInfo(info.cause);
  return err;
}

function formatPosition(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}
