// The live progress line of `cloudreduce run` / `resume` / `submit --wait`: phase, tasks
// done/total, records/s (local runs only: workers report records read as they go).
// On a terminal it redraws one line; elsewhere (CI, pipes) it prints a line per change, at most
// every few seconds, so logs stay readable.

import type { StateStore } from '../ports/state-store.ts';
import type { RunRecord } from '../core/records.ts';
import { cutToWidth } from './watch.ts';

export class ProgressReporter {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = Date.now();
  readonly #records = new Map<string, number>();
  #lastLine = '';
  #lastPrint = 0;
  #window: { at: number; total: number }[] = [];
  #phase = '';
  #lastTick = 0;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
  }

  /** Records read so far by a task (from worker progress events). */
  taskProgress(taskId: string, records: number): void {
    this.#records.set(taskId, records);
  }

  async tick(run: RunRecord | undefined, state: StateStore): Promise<void> {
    if (!run || run.status !== 'RUNNING') return;
    // The runtime polls often so a finished run returns at once; the line needs no more than 5 Hz.
    if (Date.now() - this.#lastTick < 200) return;
    this.#lastTick = Date.now();
    const phase = run.phase;
    const stage = run.stages[run.stage];
    let tasks = '';
    if (phase === 'map' || phase === 'reduce') {
      const total = phase === 'map' ? stage?.mapTasks : stage?.reduceTasks;
      const done = await state.countTasks(run.runId, { stage: run.stage, phase, state: 'DONE' });
      tasks = ` ${bar(done, total ?? 0)} ${done}/${total ?? '?'} tasks`;
    }
    // Map tasks report records read, reduce tasks keys reduced: count only the current phase's.
    const prefix = `s${run.stage}-${phase}-`;
    let total = 0;
    for (const [taskId, n] of this.#records) if (taskId.startsWith(prefix)) total += n;
    if (this.#phase !== prefix) {
      this.#phase = prefix;
      this.#window = [];
    }
    const now = Date.now();
    this.#window.push({ at: now, total });
    this.#window = this.#window.filter((w) => now - w.at <= 3000);
    const first = this.#window[0]!;
    const rate = now > first.at ? ((total - first.total) * 1000) / (now - first.at) : 0;
    const stageName = run.stages.length > 1 ? `${stage?.name ?? run.stage} ` : '';
    const unit = phase === 'reduce' ? 'keys' : 'records';
    // Cloud runs report no per-record progress (only task commits): no made-up zero rate then.
    const counts =
      (phase === 'map' || phase === 'reduce') && this.#records.size
        ? ` · ${fmt(total)} ${unit} · ${fmt(rate)}/s`
        : '';
    const line = `${stageName}${phase.padEnd(8)}${tasks}${counts} · ${elapsed(now - this.#started)}`;
    if (this.#tty) {
      // A line longer than the terminal wraps, and \r then redraws only its last piece: the
      // screen fills with stale lines. Cut it to the width, read each time (windows resize).
      const columns = this.#out.columns;
      this.#out.write(`\r\x1b[2K${columns ? cutToWidth(line, columns) : line}`);
    } else if (line.split(' · ')[0] !== this.#lastLine.split(' · ')[0] || now - this.#lastPrint > 5000) {
      this.#out.write(`${line}\n`);
      this.#lastPrint = now;
    }
    this.#lastLine = line;
  }

  done(): void {
    if (this.#tty && this.#lastLine) this.#out.write('\r\x1b[2K');
  }
}

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function fmt(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}

export function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
