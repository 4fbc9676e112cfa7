// Building the Datastore client and running read-modify-write transactions, shared by the
// Datastore adapters.

import { Datastore } from '@google-cloud/datastore';
import type { Transaction } from '@google-cloud/datastore';
import { TransientError } from '../../core/errors.ts';
import { GRPC, grpcCode, isRetryable } from './backend-errors.ts';
import { withRetry } from './retry.ts';
import type { RetryOptions } from './retry.ts';

export interface DatastoreClientOptions {
  projectId: string;
  /** "host:port" of the emulator; a loopback host makes the client skip TLS and credentials. */
  apiEndpoint?: string;
  /** A named database; the default is "(default)". */
  databaseId?: string;
}

export function createDatastore(options: DatastoreClientOptions): Datastore {
  return new Datastore({
    projectId: options.projectId,
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.databaseId === undefined ? {} : { databaseId: options.databaseId }),
  });
}

/** Contention (ABORTED) and busy-backend errors: the whole transaction is worth running again. */
export function isContention(err: unknown): boolean {
  return grpcCode(err) === GRPC.ABORTED || isRetryable(err);
}

/** Contention can take many turns when a dozen writers share one entity, so retry generously. */
export const TRANSACTION_RETRY: RetryOptions = {
  maxAttempts: 12,
  initialDelayMillis: 50,
  maxDelayMillis: 2_000,
};

/**
 * Runs `work` in a transaction and commits it, retrying the whole transaction (with fresh reads)
 * on contention. `work` returns whether it wrote anything; a read-only transaction is rolled back.
 * Errors thrown by `work` itself (a mutator's invariant) are not retried.
 */
export async function inTransaction<T>(
  datastore: Datastore,
  doing: string,
  work: (tx: Transaction) => Promise<{ result: T; write: boolean }>,
  retry: RetryOptions = TRANSACTION_RETRY,
): Promise<T> {
  try {
    return await withRetry(
      async () => {
        const tx = datastore.transaction();
        await tx.run();
        let outcome: { result: T; write: boolean };
        try {
          outcome = await work(tx);
        } catch (err) {
          await tx.rollback().catch(() => undefined);
          throw err;
        }
        if (outcome.write) {
          await tx.commit();
        } else {
          await tx.rollback().catch(() => undefined);
        }
        return outcome.result;
      },
      isContention,
      retry,
    );
  } catch (err) {
    if (isContention(err)) {
      throw new TransientError(`${doing} kept failing on contention after ${retry.maxAttempts} tries`, {
        cause: err,
      });
    }
    throw err;
  }
}
