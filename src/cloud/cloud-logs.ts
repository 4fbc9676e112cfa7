// `cloudreduce logs RUN --project P`: the functions' entries for a run from Cloud Logging, through
// its REST method entries:list. The functions log one JSON object a line with the run and task as
// `logging.googleapis.com/labels` (json-logger.ts), which Cloud Logging turns into entry labels:
// the filter is on those. Credentials are the user's application default credentials, obtained
// through the Google auth client the Datastore client already carries (no extra dependency); the
// caller needs roles/logging.viewer.

import { ConfigError } from '../core/errors.ts';
import type { LogEntryView } from './log-entry.ts';

export const ENTRIES_LIST_URL = 'https://logging.googleapis.com/v2/entries:list';

/** What entries:list needs: an authorised POST (google-auth-library's client.request shape). */
export type LoggingRequest = (options: {
  url: string;
  method: 'POST';
  data: unknown;
}) => Promise<{ data: unknown }>;

export interface CloudLogQuery {
  project: string;
  runId: string;
  taskId?: string;
  /** Only entries at or after this time (the run's creation, when known). */
  since?: string;
  /** At most this many entries (newest kept when there are more). */
  limit: number;
}

/** The Cloud Logging filter for a run's (or a task's) entries. */
export function runLogFilter(q: Pick<CloudLogQuery, 'runId' | 'taskId' | 'since'>): string {
  const parts = [`labels.runId=${JSON.stringify(q.runId)}`];
  if (q.taskId !== undefined) parts.push(`labels.taskId=${JSON.stringify(q.taskId)}`);
  if (q.since) parts.push(`timestamp>=${JSON.stringify(q.since)}`);
  return parts.join(' AND ');
}

interface RawEntry {
  timestamp?: string;
  severity?: string;
  textPayload?: string;
  jsonPayload?: { message?: unknown; stack_trace?: unknown };
  labels?: Record<string, string>;
  resource?: { labels?: Record<string, string> };
}

export async function listRunEntries(request: LoggingRequest, q: CloudLogQuery): Promise<LogEntryView[]> {
  const entries: LogEntryView[] = [];
  let pageToken: string | undefined;
  do {
    let data: { entries?: RawEntry[]; nextPageToken?: string };
    try {
      data = (
        await request({
          url: ENTRIES_LIST_URL,
          method: 'POST',
          data: {
            resourceNames: [`projects/${q.project}`],
            filter: runLogFilter(q),
            // Newest first, so a limit keeps the end of the run, where failures are.
            orderBy: 'timestamp desc',
            pageSize: Math.min(1000, q.limit - entries.length),
            ...(pageToken ? { pageToken } : {}),
          },
        })
      ).data as typeof data;
    } catch (err) {
      const status = (err as { status?: number; response?: { status?: number } }).response?.status;
      if (status === 403 || status === 401)
        throw new ConfigError(
          `Not allowed to read the logs of project ${q.project}: ${(err as Error).message}. ` +
            'Log in with `gcloud auth application-default login` as someone with roles/logging.viewer.',
          { cause: err },
        );
      throw err;
    }
    for (const e of data.entries ?? []) entries.push(view(e));
    pageToken = data.nextPageToken;
  } while (pageToken && entries.length < q.limit);
  return entries.reverse();
}

function view(e: RawEntry): LogEntryView {
  const message = e.jsonPayload?.message ?? e.textPayload ?? '';
  const fn = e.labels?.function ?? e.resource?.labels?.service_name;
  return {
    time: e.timestamp ?? '',
    severity: e.severity ?? 'DEFAULT',
    message: String(message),
    ...(fn ? { function: fn } : {}),
    ...(e.labels?.taskId ? { taskId: e.labels.taskId } : {}),
    ...(typeof e.jsonPayload?.stack_trace === 'string' ? { stack: e.jsonPayload.stack_trace } : {}),
  };
}

/** An authorised request with the user's application default credentials. */
export async function adcRequest(project: string): Promise<LoggingRequest> {
  const { Datastore } = await import('@google-cloud/datastore');
  const client = await new Datastore({ projectId: project }).auth.getClient();
  return (options) => client.request(options);
}
