// One line for a stage's input and for its outputs, from the job's definition (or, for outputs,
// from what finalize recorded).

import type { AnyStage } from '../core/job.ts';
import type { OutputSummary, RunRecord } from '../core/records.ts';

export function describeInput(def: AnyStage, run: RunRecord): string {
  let spec: unknown = def.input;
  if (typeof spec === 'function') {
    try {
      spec = (spec as (p: unknown, r: unknown) => unknown)(run.params, {
        runId: run.runId,
        startedAt: new Date(run.createdAt),
        inputs: run.options.inputs ?? [],
      });
    } catch {
      return 'computed from the params';
    }
  }
  return describeSpec(spec);
}

export function describeOutputs(outputs: Record<string, unknown> | AnyStage): string {
  const map = 'input' in outputs ? ((outputs as AnyStage).outputs ?? {}) : outputs;
  const entries = Object.entries(map);
  if (!entries.length) return 'records (for a later stage)';
  return entries
    .map(([name, o]) => {
      const summary = o as Partial<OutputSummary>;
      if (typeof summary.target === 'string') return `${name} → ${summary.target} (${summary.rows} rows)`;
      return `${name}: ${typeof o === 'function' ? 'computed from the params' : describeSpec(o)}`;
    })
    .join('; ');
}

function describeSpec(spec: unknown): string {
  if (spec === null || typeof spec !== 'object') return String(spec);
  const { type, ...rest } = spec as { type?: string } & Record<string, unknown>;
  const details = Object.entries(rest)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v) || Array.isArray(v))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
  return `${type ?? '?'}${details ? ` ${details}` : ''}`;
}
