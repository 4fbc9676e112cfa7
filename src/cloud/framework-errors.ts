// functions-framework reads every request body with body-parser before a function runs. A body it
// cannot read (invalid JSON under Content-Type: application/json, an unknown charset) goes to
// Express's final handler, which answers with an HTML page holding the stack trace; no function
// code is reached (functions-framework-nodejs#686). Our HTTP functions answer JSON, always, so
// this adds one error handler to the framework's Express app that turns body-parser's errors
// (http-errors with `expose`) into `{ error }` with their status. Other errors go on to Express.

import { createRequire } from 'node:module';

type Next = (err?: unknown) => void;
interface Response {
  headersSent: boolean;
  status(code: number): { json(body: unknown): void };
}
interface ExpressApp {
  handle(req: unknown, res: unknown, callback?: Next): void;
  use(handler: (err: unknown, req: unknown, res: Response, next: Next) => void): void;
}

const INSTALLED = Symbol.for('cloudreduce.jsonBodyErrors');

/** The Express that functions-framework itself loads (it is its dependency, not ours). */
function frameworkExpress(): { application: ExpressApp } {
  const framework = createRequire(import.meta.url).resolve('@google-cloud/functions-framework');
  return createRequire(framework)('express') as { application: ExpressApp };
}

/** The JSON answer for an error body-parser raised, or undefined for any other error. */
export function bodyErrorAnswer(err: unknown): { status: number; error: string } | undefined {
  const e = err as { expose?: unknown; status?: unknown; type?: unknown; message?: unknown };
  if (typeof e !== 'object' || e === null || e.expose !== true || typeof e.status !== 'number')
    return undefined;
  if (e.status < 400 || e.status > 499) return undefined;
  const message = String(e.message);
  if (e.type === 'entity.parse.failed')
    return {
      status: 400,
      error: `The request body is not valid JSON: ${message}. Correct it and send it again.`,
    };
  return { status: e.status, error: `The request body could not be read: ${message}.` };
}

/**
 * Installs the handler on every Express app functions-framework serves in this process (once, on
 * the app's first request, after the framework has added its own routes). Idempotent.
 */
export function answerBodyErrorsWithJson(): void {
  const application = frameworkExpress().application as ExpressApp & { [INSTALLED]?: true };
  if (application[INSTALLED]) return;
  application[INSTALLED] = true;
  const handle = application.handle;
  const apps = new WeakSet<object>();
  application.handle = function (this: ExpressApp, req, res, callback) {
    if (!apps.has(this)) {
      apps.add(this);
      this.use((err, _req, response, next) => {
        const answer = bodyErrorAnswer(err);
        if (answer === undefined || response.headersSent) return next(err);
        response.status(answer.status).json({ error: answer.error });
      });
    }
    handle.call(this, req, res, callback);
  };
}
