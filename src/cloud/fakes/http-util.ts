// Small HTTP helpers shared by the GCS and BigQuery fakes.

import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** An error the fakes turn into the Google JSON error body the official clients parse. */
export class HttpError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'parseError', 'Request body is not valid JSON');
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, reason: string, message: string): void {
  sendJson(res, status, {
    error: { code: status, message, errors: [{ reason, message, domain: 'global' }] },
  });
}

/** Sends an HttpError as a Google error body; anything else becomes a 500 with its message. */
export function sendFailure(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) sendError(res, err.status, err.reason, err.message);
  else sendError(res, 500, 'backendError', err instanceof Error ? (err.stack ?? err.message) : String(err));
}

export interface Listening {
  server: Server;
  endpoint: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port. */
export function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer(handler);
  // Clients keep sockets alive; close() must not wait for them to time out.
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        server,
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** A one-shot fault: the next `count` requests matching `match` get `status`, for retry tests. */
export interface Fault {
  status: number;
  count: number;
  match: (method: string, path: string) => boolean;
}

/** Answers the request with an injected fault when one matches; returns true if it did. */
export function applyFault(faults: Fault[], req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const fault = faults.find((f) => f.count > 0 && f.match(req.method ?? 'GET', path));
  if (!fault) return false;
  fault.count--;
  req.resume();
  sendError(res, fault.status, fault.status === 429 ? 'rateLimitExceeded' : 'backendError', 'injected fault');
  return true;
}
