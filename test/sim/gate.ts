// Every port call of a simulated process goes through the gate: it takes virtual time, may carry a
// fault (faults.ts), and takes effect atomically inside one scheduler event. A dead process's calls
// never return; a frozen one's timers do not fire.

import { TransientError } from '../../src/core/errors.ts';
import { drawFault, type CallFault, type FaultProfile } from './faults.ts';
import type { Proc, Scheduler } from './scheduler.ts';

const CODES = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'];

export class Gate {
  readonly sched: Scheduler;
  readonly profile: FaultProfile;
  readonly leaseMillis: number;
  /** Processes that die at their next call once they hold a task (a task that kills its process). */
  readonly doomed = new WeakSet<Proc>();
  readonly faultsSeen = new Map<string, number>();
  /** A scripted fault for one call (tests of one interleaving); undefined: draw from the profile. */
  script?: (proc: Proc, op: string, label: string) => CallFault | undefined;

  constructor(sched: Scheduler, profile: FaultProfile, leaseMillis: number) {
    this.sched = sched;
    this.profile = profile;
    this.leaseMillis = leaseMillis;
  }

  /**
   * `apply` runs synchronously inside one event. `write` calls may be ambiguous; an
   * ambiguous-retried call is applied twice and answers with the second result.
   */
  call<T>(proc: Proc, op: string, write: boolean, apply: () => T, label = ''): Promise<T> {
    const { sched } = this;
    return new Promise<T>((resolve, reject) => {
      if (proc.dead) return;
      if (this.doomed.has(proc)) {
        sched.kill(proc, `${op}: the task kills its process (out of memory)`);
        return;
      }
      const fault = this.script?.(proc, op, label) ?? drawFault(sched, this.profile, write);
      if (fault !== 'none') this.faultsSeen.set(fault, (this.faultsSeen.get(fault) ?? 0) + 1);
      let latency = sched.int(1, 30);
      if (fault === 'slow') {
        latency = Math.round(this.leaseMillis * (1.2 + sched.random()));
        proc.frozenUntil = sched.now + latency;
      }
      sched.at(latency, () => {
        if (proc.dead) return false;
        const line = `#${proc.id} ${proc.name}: ${op}${label ? ` ${label}` : ''}`;
        if (fault === 'crash-before') return sched.kill(proc, `before ${op}${label ? ` ${label}` : ''}`);
        if (fault === 'transient') {
          sched.log(`${line} → injected transient error`);
          return reject(new TransientError(`injected: ${op} failed with UNAVAILABLE (not applied)`));
        }
        let result: T;
        try {
          result = apply();
          if (fault === 'ambiguous-retried') result = apply();
        } catch (err) {
          sched.log(`${line} → error ${err instanceof Error ? err.message : String(err)}`);
          return reject(err);
        }
        if (fault === 'crash-after') {
          sched.log(`${line} → applied`);
          return sched.kill(proc, `after ${op}${label ? ` ${label}` : ''} took effect`);
        }
        if (fault === 'ambiguous') {
          const code = CODES[sched.int(0, CODES.length - 1)]!;
          sched.log(`${line} → applied, but the caller gets ${code}`);
          return reject(new TransientError(`injected: ${op} returned ${code} (it was applied)`));
        }
        if (sched.tracing) sched.log(`${line}${fault === 'none' ? '' : ` → ${fault}`}${describe(result)}`);
        resolve(result);
      });
    });
  }
}

function describe(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result === 'boolean' || typeof result === 'number') return ` → ${result}`;
  if (Array.isArray(result)) return ` → ${result.length} item(s)`;
  const r = result as {
    changed?: unknown;
    record?: { state?: unknown; status?: unknown; attempt?: unknown; phase?: unknown };
  };
  if (typeof r.changed === 'boolean' && r.record) {
    const rec = r.record;
    const what = rec.state
      ? `${String(rec.state)} a${String(rec.attempt)}`
      : `${String(rec.status)} ${String(rec.phase)}`;
    return ` → ${r.changed ? 'changed' : 'unchanged'} (${what})`;
  }
  if (typeof (result as { created?: unknown }).created === 'boolean')
    return ` → ${(result as { created: boolean }).created ? 'created' : 'exists'}`;
  return '';
}
