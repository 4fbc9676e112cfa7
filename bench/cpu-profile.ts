// A V8 CPU profile of this thread (node:inspector), and its self time summed by function and by
// area of the code, so a benchmark can say where the time goes.

import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** V8's profile (`Profiler.stop`, or a `node --cpu-prof` file): times in microseconds. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export async function profile<T>(body: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  try {
    const result = await body();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

export interface SelfTime {
  name: string;
  seconds: number;
  share: number;
}

/** Self time per function ("name file:line") and per area, largest first. */
export function selfTimes(profile: CpuProfile, root: string): { functions: SelfTime[]; areas: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const micros = profile.timeDeltas[i] ?? 0;
    const file = where(frame.url, root);
    const fn = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
    const area = areaOf(frame.functionName, file);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    total += micros;
  });
  const sorted = (m: Map<string, number>) =>
    [...m]
      .map(([name, micros]) => ({ name, seconds: micros / 1e6, share: micros / total }))
      .sort((a, b) => b.seconds - a.seconds);
  return { functions: sorted(functions), areas: sorted(areas) };
}

function where(url: string, root: string): string {
  if (!url) return '';
  if (url.startsWith('file://')) return relative(root, fileURLToPath(url));
  return url;
}

/** The project's folders, then node internals and V8's own entries ((garbage collector), …). */
function areaOf(functionName: string, file: string): string {
  if (!file) return functionName.startsWith('(') ? functionName : '(native / builtins)';
  if (file.startsWith('node:')) return 'node internals';
  if (file.startsWith('node_modules/')) return `node_modules/${file.split('/')[1]}`;
  const parts = file.split('/');
  if (parts[0] === 'src' && parts.length > 3) return parts.slice(0, 3).join('/');
  if (parts[0] === 'src' && parts.length === 3) return `${parts.slice(0, 2).join('/')}/${parts[2]}`;
  return parts.slice(0, -1).join('/') || file;
}
