// One simulation: a seed's scenario run in a faulty world, checked against the invariants and
// against the same job run fault-free. Returns the violations, with the trace to read them by.

import { resumeRun } from '../../src/core/resume.ts';
import type { RunRecord } from '../../src/core/records.ts';
import type { IncomingMessage } from '../../src/ports/message-bus.ts';
import type { JobMessage } from '../../src/core/messages.ts';
import { FAULT_FREE } from './faults.ts';
import { scenarioOf, worldConfig, describeScenario, type Scenario } from './scenario.ts';
import { ALL_JOBS, simUndeployed } from './sim-jobs.ts';
import { JobRegistry } from '../../src/core/registry.ts';
import { World } from './world.ts';

export interface SimResult {
  seed: number;
  description: string;
  violations: string[];
  trace: string[];
  status: string;
  events: number;
  virtualMillis: number;
}

const MAX_RESUMES = 6;
const references = new Map<string, Promise<string>>();

export async function simulate(seed: number, options: { trace?: boolean } = {}): Promise<SimResult> {
  const s = scenarioOf(seed);
  const world = new World(worldConfig(s), [...ALL_JOBS, simUndeployed]);
  world.sched.tracing = options.trace ?? true;
  for (const [uri, text] of Object.entries(s.files)) world.files.files.set(uri, Buffer.from(text));
  const late = s.lateFile;
  if (late)
    world.sched.at(late.atMillis, () => {
      world.files.files.set(late.uri, Buffer.from(late.text));
    });

  const mainId = submit(world, s.message, s.duplicateJobMessage ? 2 : 1);
  const mainRunId = s.message.runId ?? `${s.job.name}-m${mainId}`;
  const isMain = (runId: string) => runId === mainRunId;
  if (s.poison !== undefined) {
    const taskId = `s0-map-${String(s.poison).padStart(5, '0')}`;
    world.poisoned.add(`${mainRunId}/${taskId}`);
  }
  addCompanion(world, s);

  let resumes = 0;
  world.onTerminal = (run) => {
    // The user resumes until the run is done (a run can fail again to injected faults meanwhile).
    if (!isMain(run.runId) || run.status !== 'FAILED' || !s.resume || resumes >= MAX_RESUMES) return;
    world.poisoned.clear(); // the cause is gone (a fix deployed, a quota raised)
    world.pending++;
    const attempt = () => {
      resumes++;
      const proc = world.spawn('cloudreduce resume', async (env) => {
        try {
          await resumeRun(env, run.runId);
          world.pending--;
        } catch {
          world.sched.at(60_000, attempt);
        }
      });
      proc.onDeath = () => world.sched.at(60_000, attempt);
    };
    world.sched.at(60_000, attempt);
  };

  await world.run();
  const main = world.state.runs.get(mainRunId);
  if (!main) world.violation(`the main run ${mainRunId} was never created`);
  else await checkMain(world, s, main, resumes > 0);
  checkCompanion(world, s);
  return {
    seed,
    description: describeScenario(s),
    violations: world.violations,
    trace: world.sched.trace,
    status: main?.status ?? 'missing',
    events: world.sched.events,
    virtualMillis: world.sched.now,
  };
}

/** Delivers one job message `copies` times (a duplicate delivery has the same message id). */
function submit(world: World, message: JobMessage, copies: number): string {
  const incoming: IncomingMessage = { id: world.nextMessageId(), data: message, attributes: {} };
  for (let i = 0; i < copies; i++) world.deliverJob(incoming, world.sched.int(0, 2_000));
  return incoming.id;
}

function addCompanion(world: World, s: Scenario): void {
  switch (s.companion) {
    case 'none':
      return;
    case 'good':
      // 400 records: with a time budget, hundreds of slices and parts to finalize.
      submit(world, { job: 'dedupe', runId: 'companion-good', shards: 2, partitions: 1 }, 1);
      return;
    case 'no-input':
      // A scheduled message (no runId) whose input glob matches nothing: planning fails for good.
      submit(world, { job: 'wordcount', inputs: ['missing/*.txt'] }, 1);
      return;
    case 'undeployed': {
      submit(world, { job: simUndeployed.name, runId: 'companion-undeployed', shards: 2 }, 1);
      world.sched.at(world.sched.int(100, 5_000), () => {
        const jobs = new JobRegistry();
        for (const job of ALL_JOBS) jobs.register(job);
        world.jobs = jobs;
        world.sched.log(`job ${simUndeployed.name} undeployed`);
      });
      return;
    }
  }
}

async function checkMain(world: World, s: Scenario, run: RunRecord, resumed: boolean): Promise<void> {
  const poisonedTask = s.poison !== undefined ? `s0-map-${String(s.poison).padStart(5, '0')}` : undefined;
  if (run.status === 'DONE') {
    if (poisonedTask && !resumed)
      return world.violation(`run ${run.runId} is DONE although task ${poisonedTask} kills every attempt`);
    const got = snapshot(world, run);
    const expected = [await reference(s, false), ...(s.lateFile ? [await reference(s, true)] : [])];
    if (!expected.includes(got))
      world.violation(
        `run ${run.runId} is DONE with output that differs from the fault-free run:\n  got      ${got}\n  expected ${expected.join('\n  or       ')}`,
      );
    return;
  }
  if (run.status !== 'FAILED')
    return world.violation(`run ${run.runId} ended ${run.status}: ${run.error?.message}`);
  const error = run.error;
  if (!error?.taskId || !error.message)
    return world.violation(`run ${run.runId} FAILED without a task and reason`);
  if (poisonedTask && !s.resume && error.taskId === poisonedTask) {
    if (!/died without reporting/.test(error.message))
      world.violation(
        `run ${run.runId} FAILED for ${error.taskId}: ${error.message}; expected "died without reporting"`,
      );
    return;
  }
  // Injected faults can use up the attempts of a task too (a FAILED run, then, with that reason).
  const callFaults =
    s.profile.crashBefore + s.profile.crashAfter + s.profile.ambiguous + s.profile.transient > 0;
  const reason = `${error.message} ${error.cause?.message ?? ''}`;
  if (!callFaults || !/injected|died without reporting/.test(reason))
    world.violation(
      `run ${run.runId} FAILED for a reason no injected fault explains: ${error.taskId}: ${reason}`,
    );
}

function checkCompanion(world: World, s: Scenario): void {
  const runs = [...world.state.runs.values()];
  if (s.companion === 'no-input') {
    const run = runs.find((r) => r.job === 'wordcount' && r.options.inputs?.[0] === 'missing/*.txt');
    if (!run) return world.violation('the run with no input was never created');
    if (run.status !== 'FAILED' || !/matched no files/.test(run.error?.message ?? ''))
      world.violation(
        `the run whose input matches nothing ended ${run.status} (${run.error?.message}); expected FAILED with the reason`,
      );
  }
  if (s.companion === 'undeployed') {
    const run = world.state.runs.get('companion-undeployed');
    if (
      run &&
      run.status !== 'DONE' &&
      run.status !== 'REJECTED' &&
      !(run.status === 'FAILED' && /Unknown job/.test(run.error?.message ?? ''))
    )
      world.violation(`the run of an undeployed job ended ${run.status} (${run.error?.message})`);
  }
}

/** What a run produced, as one comparable string: counters and every output's records, in order. */
export function snapshot(world: World, run: RunRecord): string {
  const stages = run.stages.map((stage, i) => {
    const outputs: Record<string, unknown> = {};
    for (const [name, summary] of Object.entries(stage.outputs ?? {})) {
      if (summary.type === 'table') outputs[name] = world.warehouse.tables.get(summary.target) ?? [];
      else if (summary.type === 'entities')
        outputs[name] = [...world.entities.entities.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([, e]) => e);
      else if (summary.files)
        outputs[name] = summary.files
          .map((f) => world.blobs.objects.get(f)?.data.toString('utf8') ?? `MISSING ${f}`)
          .join('');
      else outputs[name] = summary.rows;
    }
    // A stage that combines in the mapper emits once per key per execution (mapStart/mapEnd): its
    // emits follow the slices, so they count how the work was cut there.
    const def = world.jobs.has(run.job) ? world.jobs.get(run.job).stages[i]?.def : undefined;
    const cut = def?.mapEnd ? [...WORK_COUNTERS, 'map-emits'] : WORK_COUNTERS;
    return { counters: withoutWorkCounters(stage.counters, cut), outputs };
  });
  return JSON.stringify(stages);
}

/**
 * Counters of how the work was cut, not of what it computed: spills follow the memory budget, and
 * merge runs the fan-in and the number of map slices, which follows the virtual time at which each
 * task reached its budget (and so do the emits of a stage with mapEnd, above). Every other counter
 * must match exactly.
 */
const WORK_COUNTERS = ['map-spills', 'reduce-merge-runs'];

function withoutWorkCounters(
  counters: Record<string, number> | undefined,
  cut: readonly string[],
): Record<string, number> | undefined {
  if (!counters) return counters;
  return Object.fromEntries(Object.entries(counters).filter(([name]) => !cut.includes(name)));
}

/**
 * The same job on the same input in a fault-free world, unsliced, with the default reduce plan:
 * slicing, partition ranges and merge passes must not change a run's output, not even the order
 * of records (ARCHITECTURE.md, Slices). Cached per job, input,
 * shards and partitions (the attempt limit changes nothing in a fault-free run).
 */
function reference(s: Scenario, withLateFile: boolean): Promise<string> {
  const { runId: _r, maxAttempts: _m, ...message } = s.message;
  const key = JSON.stringify({ message, files: s.files, late: withLateFile && s.lateFile });
  let cached = references.get(key);
  if (!cached) {
    cached = (async () => {
      // Unsliced, and one reduce task with one merge: neither may change a run's output.
      const {
        taskBudgetMillis: _budget,
        reduceTaskBytes: _bytes,
        reduceFanIn: _fanIn,
        ...config
      } = worldConfig(s, FAULT_FREE);
      const world = new World({ ...config, seed: 1 }, ALL_JOBS);
      for (const [uri, text] of Object.entries(s.files)) world.files.files.set(uri, Buffer.from(text));
      if (withLateFile && s.lateFile) world.files.files.set(s.lateFile.uri, Buffer.from(s.lateFile.text));
      submit(world, { ...message, runId: 'reference' }, 1);
      await world.run();
      const run = world.state.runs.get('reference');
      if (run?.status !== 'DONE')
        throw new Error(`the fault-free run of ${s.job.name} ended ${run?.status}: ${run?.error?.message}`);
      return snapshot(world, run);
    })();
    references.set(key, cached);
  }
  return cached;
}
