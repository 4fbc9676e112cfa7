// Summarises one thread's V8 CPU profile (`node --cpu-prof`) over a window that starts at the first
// sample under a named function: busy and idle time, self time by function, and the idle time by
// what ran just before it (what the thread was waiting on). For the numbers in docs/benchmarks.md,
// e.g. a worker's reduce (from the first `executeReduce` sample to the end) or its map phase (from
// `executeMap` to `executeReduce`).
//
// Usage: node bench/profile-window.ts PROFILE --from FUNCTION [--to FUNCTION] [--top N]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CpuProfile, ProfileNode } from './cpu-profile.ts';

export interface WindowSummary {
  seconds: number;
  busy: number;
  idle: number;
  /** Self seconds by "function file:line", largest first. */
  functions: [string, number][];
  /** Idle seconds by the innermost frames of the last busy sample before it, largest first. */
  idleAfter: [string, number][];
}

/**
 * The window runs from the first sample whose stack holds `from` up to (not including) the first
 * later sample whose stack holds `to` (or the profile's end). Undefined when `from` never ran.
 */
export function summarise(profile: CpuProfile, from: string, to?: string): WindowSummary | undefined {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): ProfileNode['callFrame'][] => {
    const frames: ProfileNode['callFrame'][] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x))
      frames.push(byId.get(x)!.callFrame);
    return frames;
  };
  const under = (id: number, name: string) => stack(id).some((f) => f.functionName === name);
  // timeDeltas[i] is the time from sample i-1 to sample i; sample i lasts until sample i+1.
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const start = profile.samples.findIndex((id) => under(id, from));
  if (start < 0) return undefined;
  let end = profile.samples.length;
  if (to) {
    const found = profile.samples.findIndex((id, i) => i > start && under(id, to));
    if (found > 0) end = found;
  }
  const functions = new Map<string, number>();
  const idleAfter = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let before = '(start of window)';
  for (let i = start; i < end; i++) {
    const seconds = ((times[i + 1] ?? times[i]!) - times[i]!) / 1e6;
    const frames = stack(profile.samples[i]!);
    const top = frames[0]!;
    const file = top.url.split('/').slice(-2).join('/');
    const name = `${top.functionName || '(anonymous)'}${file ? ` ${file}:${top.lineNumber + 1}` : ''}`;
    if (top.functionName === '(idle)') {
      idle += seconds;
      idleAfter.set(before, (idleAfter.get(before) ?? 0) + seconds);
      continue;
    }
    busy += seconds;
    functions.set(name, (functions.get(name) ?? 0) + seconds);
    before = frames
      .slice(0, 4)
      .map((f) => f.functionName || '(anonymous)')
      .join(' < ');
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    seconds: ((times[end] ?? times.at(-1)!) - times[start]!) / 1e6,
    busy,
    idle,
    functions: sorted(functions),
    idleAfter: sorted(idleAfter),
  };
}

if (import.meta.main) {
  const usage = 'Usage: node bench/profile-window.ts PROFILE --from FUNCTION [--to FUNCTION] [--top N]';
  let args: ReturnType<typeof parseWindowArgs>;
  try {
    args = parseWindowArgs();
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(
      `${usage}\n\nPROFILE is one thread's .cpuprofile (node --cpu-prof --cpu-prof-dir DIR …: one file per thread).`,
    );
    process.exit(0);
  }
  const [file] = positionals;
  if (!file || !values.from) {
    console.error(usage);
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarise(profile, values.from, values.to);
  if (!summary) {
    console.error(`No sample of ${file} ran under a function named "${values.from}".`);
    process.exit(1);
  }
  const top = Number(values.top);
  const ms = (s: number) => `${(s * 1000).toFixed(0).padStart(7)} ms`;
  console.log(
    `window ${summary.seconds.toFixed(3)} s: busy ${summary.busy.toFixed(3)} s, idle ${summary.idle.toFixed(3)} s`,
  );
  console.log('\nself time:');
  for (const [name, s] of summary.functions.slice(0, top)) console.log(`${ms(s)}  ${name}`);
  console.log('\nidle, by what ran just before:');
  for (const [name, s] of summary.idleAfter.slice(0, 10)) console.log(`${ms(s)}  after ${name}`);
}

function parseWindowArgs() {
  return parseArgs({
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      top: { type: 'string', default: '25' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
