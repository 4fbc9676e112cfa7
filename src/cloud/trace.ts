// Cloud Logging joins a function's log entries to the request's trace when each entry carries
// `logging.googleapis.com/trace` = projects/<project>/traces/<traceId> (and the span). The trace
// comes with the request: W3C `traceparent` (Pub/Sub push and Eventarc deliveries; functions-
// framework copies it onto the CloudEvent) or Google's older `X-Cloud-Trace-Context`
// (TRACE_ID/SPAN_ID;o=1, on HTTP requests). A request with neither gets no trace fields.

import type { LogFields } from '../core/logger.ts';

export const TRACE_FIELD = 'logging.googleapis.com/trace';
export const SPAN_FIELD = 'logging.googleapis.com/spanId';
export const SAMPLED_FIELD = 'logging.googleapis.com/trace_sampled';

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const CLOUD_TRACE = /^([\da-f]{32})(?:\/(\d+))?(?:;o=([01]))?$/i;

export interface TraceHeaders {
  traceparent?: string | undefined;
  cloudTraceContext?: string | undefined;
}

/** The log fields that tie entries to the request's trace; {} without a project or a valid header. */
export function traceFields(project: string | undefined, headers: TraceHeaders): LogFields {
  if (!project) return {};
  const w3c = TRACEPARENT.exec(headers.traceparent?.trim().toLowerCase() ?? '');
  if (w3c && !/^0+$/.test(w3c[1]!)) {
    return {
      [TRACE_FIELD]: `projects/${project}/traces/${w3c[1]}`,
      [SPAN_FIELD]: w3c[2],
      [SAMPLED_FIELD]: (parseInt(w3c[3]!, 16) & 1) === 1,
    };
  }
  const legacy = CLOUD_TRACE.exec(headers.cloudTraceContext?.trim() ?? '');
  if (legacy) {
    const fields: LogFields = { [TRACE_FIELD]: `projects/${project}/traces/${legacy[1]!.toLowerCase()}` };
    // The legacy span id is decimal; Cloud Logging wants the 16-digit hex form.
    if (legacy[2]) fields[SPAN_FIELD] = BigInt(legacy[2]).toString(16).padStart(16, '0').slice(-16);
    if (legacy[3]) fields[SAMPLED_FIELD] = legacy[3] === '1';
    return fields;
  }
  return {};
}

/** The project the function runs in, as the config reads it (CLOUDREDUCE_PROJECT_ID, else GOOGLE_CLOUD_PROJECT). */
export function functionProject(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CLOUDREDUCE_PROJECT_ID?.trim() || env.GOOGLE_CLOUD_PROJECT?.trim() || undefined;
}
