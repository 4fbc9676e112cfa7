// The job model: what a user writes. A job is one stage (map, optional combine, optional reduce) or
// a list of stages, each reading an input spec and writing named outputs. `defineJob` only
// normalises and validates; where the job runs is the runtime's business (local or cloud).

import { ConfigError } from './errors.ts';
import type { Key } from './keys.ts';
import type { Logger } from './logger.ts';
import type { ParamSchema, ParamValues } from './params.ts';
import type { Counters } from './records.ts';
import type { InputSpec, OutputSpec } from '../io/types.ts';

/** The values of one key in reduce: an async iterator, so a key may have more values than fit in memory. */
export interface Values<V> extends AsyncIterable<V> {
  /** Collects all values; only for keys known to be small. */
  toArray(): Promise<V[]>;
}

export interface TaskIdentity {
  id: string;
  phase: 'map' | 'reduce';
  index: number;
  attempt: number;
}

export interface JobContext<P = Record<string, unknown>> {
  readonly params: P;
  readonly job: string;
  readonly runId: string;
  readonly stage: string;
  readonly task: TaskIdentity;
  /** When the run was created; use it instead of `new Date()` so a run can be reproduced. */
  readonly runStartedAt: Date;
  readonly log: Logger;
  /** Adds `n` (default 1) to a counter; totals appear in `cloudreduce status` and in the run record. */
  count(name: string, n?: number): void;
  /** This stage's map-phase counters, summed over all map tasks. Available in reduce (empty in map). */
  readonly mapCounters: Readonly<Counters>;
  /** Side inputs declared by the stage, loaded whole before the task starts. */
  readonly side: Readonly<Record<string, readonly unknown[]>>;
}

export type KeyValueEmit<K extends Key, V> = (key: K, value: V) => void;
/** Writes a record to an output: the stage's only/first output, or the one named. */
export type RecordEmit<O> = (record: O, output?: string) => void;

export type Awaitable<T> = T | Promise<T>;

/** A reference to an earlier stage's output, as input or side input. */
export interface StageRef {
  readonly type: 'stage';
  readonly stage: string;
  readonly output?: string;
}

export interface StageBase<P> {
  /** Defaults to "main" for single-stage jobs. */
  name?: string;
  input: InputSpec | ((params: P, run: { runId: string; startedAt: Date; inputs: string[] }) => InputSpec);
  /** Named outputs. A stage with none keeps its records only for later stages (`fromStage`). */
  outputs?: Record<string, OutputSpec | ((params: P) => OutputSpec)>;
  sideInputs?: Record<string, StageRef>;
  /** Map tasks to plan (readers may return fewer). */
  shards?: number;
  /** Bad input records: fail the run (default), or skip them, count them and write them aside. */
  badRecords?: 'fail' | 'skip';
}

/**
 * State a map task keeps across its records (in-mapper combining), made fresh for every execution:
 * `mapStart` builds it before the first record of each map task attempt and of each slice, `map`
 * gets it as its fourth argument, and `mapEnd` emits what it holds after the last record, before
 * the task (or slice) seals its output. An attempt that fails never reaches `mapEnd`: its emits
 * are discarded and the next attempt starts from a new state, so nothing is counted twice.
 */
export interface MapTaskHooks<P, T, E> {
  mapStart?(ctx: JobContext<P>): T;
  mapEnd?(emit: E, ctx: JobContext<P>, state: T): Awaitable<void>;
}

export interface MapReduceStage<P, I, K extends Key, V, O, T = undefined>
  extends StageBase<P>, MapTaskHooks<P, T, KeyValueEmit<K, V>> {
  map(record: I, emit: KeyValueEmit<K, V>, ctx: JobContext<P>, state: T): Awaitable<void>;
  /**
   * Optional, associative and commutative: replaces some values of a key by fewer values. Runs in
   * map tasks (hash aggregation before the shuffle) and in reduce tasks (before `reduce`).
   */
  combine?(key: K, values: V[], ctx: JobContext<P>): Iterable<V>;
  reduce(key: K, values: Values<V>, emit: RecordEmit<O>, ctx: JobContext<P>): Awaitable<void>;
  /** Reduce tasks (shuffle partitions). */
  partitions?: number;
  /** Memory for map-side buffering before a sorted run is spilled to disk. */
  memoryBudgetBytes?: number;
}

export interface MapOnlyStage<P, I, O, T = undefined>
  extends StageBase<P>, MapTaskHooks<P, T, RecordEmit<O>> {
  map(record: I, emit: RecordEmit<O>, ctx: JobContext<P>, state: T): Awaitable<void>;
  reduce?: undefined;
  combine?: undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage<P = any> = MapReduceStage<P, any, any, any, any, any> | MapOnlyStage<P, any, any, any>;

export interface JobMeta<S extends ParamSchema> {
  name: string;
  description?: string;
  params?: S;
  /** Attempts per task before the run fails (default 3). */
  maxAttempts?: number;
}

export interface Stage {
  name: string;
  index: number;
  def: AnyStage;
}

export interface Job {
  name: string;
  description: string;
  params: ParamSchema;
  maxAttempts: number | undefined;
  stages: Stage[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A single-stage job. */
export function defineJob<S extends ParamSchema, I, K extends Key, V, O, T = undefined>(
  def: JobMeta<S> & MapReduceStage<ParamValues<S>, I, K, V, O, T>,
): Job;
export function defineJob<S extends ParamSchema, I, O, T = undefined>(
  def: JobMeta<S> & MapOnlyStage<ParamValues<S>, I, O, T>,
): Job;
/** A multi-stage job: stages run in order; a stage may read an earlier one with `fromStage`. */
export function defineJob<S extends ParamSchema>(
  def: JobMeta<S> & { stages: AnyStage<ParamValues<S>>[] },
): Job;
export function defineJob(def: JobMeta<ParamSchema> & ({ stages: AnyStage[] } | AnyStage)): Job {
  if (typeof def.name !== 'string' || !NAME.test(def.name)) {
    throw new ConfigError(
      `Job name ${JSON.stringify(def.name)} is not valid: use 1-63 lowercase letters, digits and dashes, starting with a letter (it becomes part of storage paths and table job ids).`,
    );
  }
  const defs: AnyStage[] = 'stages' in def ? def.stages : [def];
  if (defs.length === 0)
    throw new ConfigError(`Job "${def.name}" has no stages; give it a map function or a stages list.`);
  const seen = new Set<string>();
  const stages = defs.map((s, index) => {
    // A single-stage job's `name` is the job's; its one stage is "main".
    const name = 'stages' in def ? (s.name ?? `stage${index}`) : 'main';
    if (!NAME.test(name))
      throw new ConfigError(
        `Job "${def.name}": stage name "${name}" is not valid (lowercase letters, digits, dashes).`,
      );
    if (seen.has(name))
      throw new ConfigError(`Job "${def.name}": two stages are named "${name}"; stage names must be unique.`);
    seen.add(name);
    if (typeof s.map !== 'function')
      throw new ConfigError(`Job "${def.name}", stage "${name}": map must be a function.`);
    for (const hook of ['mapStart', 'mapEnd'] as const) {
      if (s[hook] !== undefined && typeof s[hook] !== 'function')
        throw new ConfigError(
          `Job "${def.name}", stage "${name}": ${hook} must be a function (got ${typeof s[hook]}); leave it out if the map keeps no state across records.`,
        );
    }

    if (s.combine && !s.reduce) {
      throw new ConfigError(
        `Job "${def.name}", stage "${name}": combine needs a reduce; a map-only stage writes its records directly.`,
      );
    }
    if (s.input === undefined) throw new ConfigError(`Job "${def.name}", stage "${name}": input is missing.`);
    for (const ref of Object.values(s.sideInputs ?? {})) checkStageRef(def.name, name, ref, seen);
    if (typeof s.input === 'object' && s.input.type === 'stage')
      checkStageRef(def.name, name, s.input as StageRef, seen);
    return { name, index, def: s };
  });
  return {
    name: def.name,
    description: def.description ?? '',
    params: def.params ?? {},
    maxAttempts: def.maxAttempts,
    stages,
  };
}

function checkStageRef(job: string, stage: string, ref: StageRef, earlier: Set<string>): void {
  if (!earlier.has(ref.stage) || ref.stage === stage) {
    throw new ConfigError(
      `Job "${job}", stage "${stage}" reads stage "${ref.stage}", which is not an earlier stage of this job (earlier: ${[...earlier].filter((s) => s !== stage).join(', ') || 'none'}).`,
    );
  }
}

/** Input or side input: the records an earlier stage wrote to `output` (its only output by default). */
export function fromStage(stage: string, output?: string): StageRef {
  return output === undefined ? { type: 'stage', stage } : { type: 'stage', stage, output };
}

export function isMapReduce(
  stage: AnyStage,
): stage is MapReduceStage<unknown, unknown, Key, unknown, unknown> {
  return typeof stage.reduce === 'function';
}
