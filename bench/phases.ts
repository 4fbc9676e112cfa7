// Where an engine run's wall time went, from its run record and task timestamps.

import type { RunRecord, TaskRecord } from '../src/core/records.ts';

export interface PhaseSeconds {
  /** Spawn → run record created: Node start-up, CLI and module loading, opening the data dir. */
  startup: number;
  /** Run created → first map task started: planning the splits, starting the worker threads. */
  plan: number;
  /** First map task started → last map task finished. */
  map: number;
  /** Last map task finished → last reduce task finished (barrier included). */
  reduce: number;
  /** Last reduce task finished → run DONE: loading the warehouse table, deleting intermediates. */
  finalize: number;
  /** Run DONE → process exited: printing, closing the runtime, stopping the workers. */
  shutdown: number;
  /** Sum of the map tasks' own durations: with the map phase and worker count, how busy workers were. */
  mapTaskSum: number;
  reduceTaskSum: number;
}

export function phaseSeconds(
  run: RunRecord,
  tasks: readonly TaskRecord[],
  spawnedAtMs: number,
  exitedAtMs: number,
): PhaseSeconds {
  const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);
  const span = (phase: 'map' | 'reduce') => {
    const own = tasks.filter((t) => t.phase === phase);
    const starts = own.map((t) => ms(t.startedAt));
    const ends = own.map((t) => ms(t.finishedAt));
    const sum = own.reduce((total, t) => total + ms(t.finishedAt) - ms(t.startedAt), 0);
    return { start: Math.min(...starts), end: Math.max(...ends), sum };
  };
  const map = span('map');
  const reduce = span('reduce');
  const created = ms(run.createdAt);
  const finished = ms(run.finishedAt);
  const seconds = (millis: number) => Math.round(millis) / 1000;
  return {
    startup: seconds(created - spawnedAtMs),
    plan: seconds(map.start - created),
    map: seconds(map.end - map.start),
    reduce: seconds(reduce.end - map.end),
    finalize: seconds(finished - reduce.end),
    shutdown: seconds(exitedAtMs - finished),
    mapTaskSum: seconds(map.sum),
    reduceTaskSum: seconds(reduce.sum),
  };
}
