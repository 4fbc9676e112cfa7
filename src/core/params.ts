// Typed job parameters: declared once on the job, parsed from `--param k=v` strings (CLI) or JSON
// values (job messages), validated with messages that say what is allowed, and shown by
// `cloudreduce run JOB --help`.

import { ConfigError } from './errors.ts';

export type ParamType = 'string' | 'int' | 'number' | 'boolean' | 'datetime' | 'date' | 'enum';

interface ParamSpecBase<T> {
  readonly type: ParamType;
  readonly description?: string;
  /** A value, or `'runStart'` for datetime params: the run's start time, so a run can be reproduced. */
  readonly default?: T | 'runStart';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Extra check: return a message when the value is not acceptable. (A method, so specs stay covariant in T.) */
  validate?(value: T): string | undefined;
  /** Only for typing; never set. */
  readonly __type?: T;
}

export type ParamSpec<T = unknown> = ParamSpecBase<T>;
export type ParamSchema = Record<string, ParamSpec>;
export type ParamValues<S extends ParamSchema> = {
  [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never;
};

type Opts<T> = Omit<ParamSpecBase<T>, 'type' | '__type' | 'choices'>;

export const param = {
  string: (o: Opts<string> = {}): ParamSpec<string> => ({ ...o, type: 'string' }),
  int: (o: Opts<number> = {}): ParamSpec<number> => ({ ...o, type: 'int' }),
  number: (o: Opts<number> = {}): ParamSpec<number> => ({ ...o, type: 'number' }),
  boolean: (o: Opts<boolean> = {}): ParamSpec<boolean> => ({ ...o, type: 'boolean' }),
  /** An instant; accepts ISO 8601 strings. Use `default: 'runStart'` for "now, as of the run". */
  datetime: (o: Opts<Date> = {}): ParamSpec<Date> => ({ ...o, type: 'datetime' }),
  /**
   * A calendar day, kept as a YYYY-MM-DD string. Also takes `today`, `yesterday` or `today-N`,
   * resolved against the run's start (UTC) when the run is created, so a nightly schedule can say
   * `date = "yesterday"` and the run record holds the actual day.
   */
  date: (o: Opts<string> = {}): ParamSpec<string> => ({ ...o, type: 'date' }),
  enum: <C extends string>(choices: readonly C[], o: Opts<C> = {}): ParamSpec<C> => ({
    ...o,
    type: 'enum',
    choices,
  }),
};

/** Parses `k=v` pairs from the command line into raw values (still strings). */
export function parseParamArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`--param "${pair}" is not of the form name=value, e.g. --param days=4`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * Validates and converts raw params (strings from the CLI or JSON values from a message) against
 * the schema, filling defaults. The result is JSON-safe (datetimes as ISO strings) so it can be
 * stored on the run record; `materializeParams` turns it into the typed values a job sees.
 */
export function resolveParams(
  jobName: string,
  schema: ParamSchema,
  raw: Record<string, unknown>,
  runStart: Date,
): Record<string, unknown> {
  const names = Object.keys(schema);
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(key in schema)) {
      problems.push(
        `unknown param "${key}"; ${names.length ? `allowed: ${names.join(', ')}` : 'this job takes no params'}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    let value = raw[name];
    if (value === undefined) {
      if (spec.default === 'runStart') value = runStart.toISOString();
      else if (spec.default !== undefined)
        value = spec.default instanceof Date ? spec.default.toISOString() : spec.default;
      else if (spec.required) {
        problems.push(`param "${name}" is required (${describeSpec(spec)})`);
        continue;
      } else continue;
    }
    const converted = convert(name, spec, value, runStart);
    if (typeof converted === 'string' && converted.startsWith('!')) problems.push(converted.slice(1));
    else out[name] = converted;
  }
  if (problems.length) {
    throw new ConfigError(
      `Invalid params for job "${jobName}": ${problems.join('; ')}. See \`cloudreduce run ${jobName} --help\`.`,
    );
  }
  return out;
}

/** Turns stored (JSON-safe) params into the values a job sees: datetimes become Dates. */
export function materializeParams(
  schema: ParamSchema,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.type === 'datetime' && typeof out[name] === 'string') out[name] = new Date(out[name]);
  }
  return out;
}

export function describeSpec(spec: ParamSpec): string {
  const parts: string[] = [spec.type === 'enum' ? `one of ${spec.choices?.join('|')}` : spec.type];
  if (spec.min !== undefined) parts.push(`>= ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  if (spec.default === 'runStart') parts.push('default: the run start time');
  else if (spec.default !== undefined)
    parts.push(
      `default: ${String(spec.default instanceof Date ? spec.default.toISOString() : spec.default)}`,
    );
  else if (spec.required) parts.push('required');
  return parts.join(', ');
}

const RELATIVE_DAY = /^(?:today|yesterday|today-(\d{1,4}))$/;

/** `today`, `yesterday`, `today-N` as the YYYY-MM-DD day that many days before `runStart`'s UTC day. */
function relativeDay(text: string, runStart: Date): string | undefined {
  const m = RELATIVE_DAY.exec(text);
  if (!m) return undefined;
  const back = text === 'yesterday' ? 1 : Number(m[1] ?? 0);
  const day = Date.UTC(runStart.getUTCFullYear(), runStart.getUTCMonth(), runStart.getUTCDate() - back);
  return new Date(day).toISOString().slice(0, 10);
}

// Returns the converted value, or a string starting with "!" describing the problem.
function convert(name: string, spec: ParamSpec, value: unknown, runStart: Date): unknown {
  const bad = (what: string): string => `!param "${name}" ${what} (expected ${describeSpec(spec)})`;
  let v: unknown = value;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return bad(`must be a string, got ${JSON.stringify(v)}`);
      break;
    case 'int':
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return bad(`must be a number, got ${JSON.stringify(v)}`);
      if (spec.type === 'int' && !Number.isInteger(n)) return bad(`must be a whole number, got ${n}`);
      if (spec.min !== undefined && n < spec.min) return bad(`is ${n}, below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return bad(`is ${n}, above the maximum ${spec.max}`);
      v = n;
      break;
    }
    case 'boolean':
      if (v === 'true' || v === true) v = true;
      else if (v === 'false' || v === false) v = false;
      else return bad(`must be true or false, got ${JSON.stringify(v)}`);
      break;
    case 'datetime': {
      const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : new Date(NaN);
      if (Number.isNaN(d.getTime()))
        return bad(`must be an ISO 8601 datetime like 2026-11-21T10:00:00Z, got ${JSON.stringify(v)}`);
      v = d.toISOString();
      break;
    }
    case 'date':
      if (typeof v === 'string') v = relativeDay(v, runStart) ?? v;
      if (
        typeof v !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}$/.test(v) ||
        Number.isNaN(Date.parse(`${v}T00:00:00Z`))
      ) {
        return bad(`must be a date like 2026-11-21 (or today, yesterday, today-N), got ${JSON.stringify(v)}`);
      }
      break;
    case 'enum':
      if (typeof v !== 'string' || !spec.choices?.includes(v)) return bad(`is ${JSON.stringify(v)}`);
      break;
  }
  const typed = spec.type === 'datetime' ? new Date(v as string) : v;
  const message = (spec.validate as ((x: unknown) => string | undefined) | undefined)?.(typed);
  if (message) return `!param "${name}": ${message}`;
  return v;
}
