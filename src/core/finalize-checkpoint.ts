// Finalize's checkpoint: how far each output's publication got, kept in the stage's state on the
// run record (StageState.finalize: a count of published parts per output, never a list of names,
// so the run record stays small whatever the number of parts). A redelivered or restarted
// finalize reads it and goes on from there, so every delivery makes durable progress even when
// deliveries keep dying: without it each one began again at the first part.
//
// Writes are batched: a checkpoint is written every CHECKPOINT_PARTS parts, or sooner when a third
// of a lease passed since the last write (each write also refreshes the run's `updatedAt`, which is
// how the sweeper tells a finalize that is working from one whose message was lost). Work done
// after the last write is redone by the next delivery, idempotently (create-only copies, load ids).

import type { EngineEnv } from './env.ts';
import type { OutputSummary, RunRecord, StageState } from './records.ts';

/** Parts published between two checkpoint writes (at most; a lease/3 without one also writes). */
export const CHECKPOINT_PARTS = 8;

/** The run left this stage's finalize (another delivery finished it, or the run ended). */
export class FinalizeSuperseded extends Error {
  override readonly name = 'FinalizeSuperseded';
}

/** A run in this stage's finalize, or undefined. */
function finalizing(r: RunRecord, stage: number): StageState | undefined {
  return r.status === 'RUNNING' && r.stage === stage && r.phase === 'finalize' ? r.stages[stage] : undefined;
}

export class FinalizeCheckpoint {
  readonly #env: EngineEnv;
  readonly #runId: string;
  readonly #stage: number;
  readonly #written = new Map<string, number>();
  readonly #finished: Record<string, OutputSummary>;
  #lastWriteAt: number;

  constructor(env: EngineEnv, run: RunRecord, stage: number) {
    this.#env = env;
    this.#runId = run.runId;
    this.#stage = stage;
    this.#lastWriteAt = env.now();
    for (const [name, n] of Object.entries(run.stages[stage]?.finalize ?? {})) this.#written.set(name, n);
    this.#finished = { ...run.stages[stage]?.outputs };
  }

  /** An output an earlier delivery finished: its summary (the output is not published again). */
  finished(output: string): OutputSummary | undefined {
    return this.#finished[output];
  }

  /** Parts of `output` an earlier delivery published (recorded): a writer starts after them. */
  published(output: string): number {
    return this.#written.get(output) ?? 0;
  }

  /** Parts [0, n) of `output` are published; writes the checkpoint when it is due. */
  async progress(output: string, n: number): Promise<void> {
    const since = n - this.published(output);
    if (since <= 0) return;
    const due = since >= CHECKPOINT_PARTS || this.#env.now() - this.#lastWriteAt >= this.#env.leaseMillis / 3;
    if (due) await this.#write(output, n);
  }

  /**
   * `output` is finished: its summary goes into the stage's `outputs` (where a DONE stage keeps
   * it) and its count leaves the checkpoint, so a later delivery skips the output altogether.
   */
  async finish(output: string, summary: OutputSummary): Promise<void> {
    this.#finished[output] = summary;
    await this.#update((stage) => {
      if (stage.outputs?.[output]) return undefined;
      const { [output]: _published, ...rest } = stage.finalize ?? {};
      const { finalize: _finalize, ...others } = stage;
      return {
        ...others,
        ...(Object.keys(rest).length > 0 ? { finalize: rest } : {}),
        outputs: { ...stage.outputs, [output]: summary },
      };
    });
  }

  /** Writes `n` for `output` (never lowering what a concurrent delivery wrote). */
  async #write(output: string, n: number): Promise<void> {
    const record = await this.#update((stage) =>
      (stage.finalize?.[output] ?? 0) >= n
        ? undefined
        : { ...stage, finalize: { ...stage.finalize, [output]: n } },
    );
    this.#written.set(output, Math.max(n, record.stages[this.#stage]?.finalize?.[output] ?? 0));
  }

  /** One transaction on the run: the stage's new state, or undefined to leave it as it is. */
  async #update(change: (stage: StageState) => StageState | undefined): Promise<RunRecord> {
    const iso = new Date(this.#env.now()).toISOString();
    const result = await this.#env.state.updateRun(this.#runId, (r): RunRecord | undefined => {
      const stage = finalizing(r, this.#stage);
      const next = stage && change(stage);
      if (!next) return undefined;
      const stages = r.stages.slice();
      stages[this.#stage] = next;
      return { ...r, stages, updatedAt: iso };
    });
    if (!result || !finalizing(result.record, this.#stage))
      throw new FinalizeSuperseded(`run ${this.#runId} is no longer in the finalize of stage ${this.#stage}`);
    this.#lastWriteAt = this.#env.now();
    return result.record;
  }
}
