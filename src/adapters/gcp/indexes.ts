// The composite indexes DatastoreStateStore's queries need, in one list that terraform
// (google_firestore_index, api_scope DATASTORE_MODE_API) is generated from. The emulator does not
// enforce composite indexes, so a query that needs a new one must be added here by hand.
//
// Queries with only equality filters (task lists and counts by runId, stage, phase, state) need no
// composite index: Datastore merges the built-in single-property indexes, and DatastoreStateStore
// sorts those results itself. Only sorts combined with filters, or sorts on two properties, do.
// The same holds for listRunsPage (runs by status, in key order): it needs no entry here.

export interface IndexProperty {
  name: string;
  direction: 'asc' | 'desc';
}

export interface DatastoreIndex {
  kind: string;
  properties: readonly IndexProperty[];
}

/** Kind names used by DatastoreStateStore, given its kind prefix. */
export function stateKinds(kindPrefix = 'CloudReduce'): { run: string; task: string } {
  return { run: `${kindPrefix}Run`, task: `${kindPrefix}Task` };
}

export function datastoreIndexes(kindPrefix = 'CloudReduce'): DatastoreIndex[] {
  const { run } = stateKinds(kindPrefix);
  return [
    // listRuns(): newest first, ties by runId descending.
    {
      kind: run,
      properties: [
        { name: 'createdAt', direction: 'desc' },
        { name: '__key__', direction: 'desc' },
      ],
    },
    // listRuns({ job }): one job's runs, newest first.
    {
      kind: run,
      properties: [
        { name: 'job', direction: 'asc' },
        { name: 'createdAt', direction: 'desc' },
        { name: '__key__', direction: 'desc' },
      ],
    },
  ];
}

/** The indexes for the default kind prefix. */
export const DATASTORE_INDEXES: readonly DatastoreIndex[] = datastoreIndexes();
