// Classifying errors of the Google Cloud clients. The REST clients (storage, bigquery) report an
// HTTP status in `code`; the gRPC clients (pubsub, datastore) a gRPC status number. Network
// failures carry a Node error code instead.

import { TransientError } from '../../core/errors.ts';

/** gRPC status codes used by the adapters (google.rpc.Code). */
export const GRPC = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DEADLINE_EXCEEDED: 4,
} as const;

const RETRYABLE_HTTP = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_GRPC = new Set<number>([
  GRPC.DEADLINE_EXCEEDED,
  GRPC.RESOURCE_EXHAUSTED,
  GRPC.ABORTED,
  GRPC.INTERNAL,
  GRPC.UNAVAILABLE,
]);
const RETRYABLE_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** The HTTP status of a REST client error, if it has one. */
export function httpStatus(err: unknown): number | undefined {
  const code = codeOf(err);
  if (typeof code === 'number' && code >= 100) return code;
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** The gRPC status of a gRPC client error, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = codeOf(err);
  return typeof code === 'number' && code < 100 ? code : undefined;
}

/** True when trying the same request again later may succeed. */
export function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string') return RETRYABLE_NET.has(code);
  const status = httpStatus(err);
  if (status !== undefined) return RETRYABLE_HTTP.has(status);
  const grpc = grpcCode(err);
  return grpc !== undefined && RETRYABLE_GRPC.has(grpc);
}

/**
 * Rethrows a backend failure: retryable ones become a TransientError naming what was being done
 * (so the message is redelivered), others keep their original error.
 */
export function backendError(err: unknown, doing: string): Error {
  if (isRetryable(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new TransientError(`${doing} failed with a retryable backend error: ${reason}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
