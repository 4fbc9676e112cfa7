// Shared by `run` and `resume`: open the local runtime, start or continue a run, show progress
// until it ends, print the summary. Ctrl-C leaves the run resumable and says how.

import { intermediatesLines } from '../intermediates.ts';
import { runSummary } from '../report.ts';
import { ProgressReporter } from '../progress.ts';
import { parseCount, type CommonOptions } from '../args.ts';
import { DEFAULTS } from '../../core/defaults.ts';
import { cliLogger, type CliIo, type CliSession } from '../session.ts';
import { LocalRuntime } from '../../runtime/local-runtime.ts';

export async function superviseRun(
  session: CliSession,
  common: CommonOptions,
  io: CliIo,
  workers: number | undefined,
  start: (runtime: LocalRuntime) => Promise<string>,
  memoryBudgetBytes: number = DEFAULTS.memoryBudgetBytes,
): Promise<number> {
  const progress = new ProgressReporter(io.progressStream);
  const heapOverride = parseCount('CLOUDREDUCE_WORKER_HEAP_MB', io.env.CLOUDREDUCE_WORKER_HEAP_MB);
  const runtime = new LocalRuntime({
    dataDir: common.dataDir,
    jobs: session.jobs,
    userModules: session.userModules,
    // The run's failure, if any, is printed once: in the summary below.
    logger: cliLogger(io, { failuresInSummary: true }),
    cwd: io.cwd,
    ...(workers !== undefined ? { workers } : {}),
    workerHeapMb: heapOverride || DEFAULTS.workerHeapMb(memoryBudgetBytes),
    onProgress: (p) => progress.taskProgress(p.taskId, p.records),
  });
  let runId: string | undefined;
  const interrupt = () => {
    progress.done();
    io.err(
      `\ninterrupted; the run keeps its state. Continue it with: cloudreduce resume ${runId ?? ''}${common.dataDir !== '.cloudreduce' ? ` --data-dir ${common.dataDir}` : ''}`,
    );
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  try {
    runId = await start(runtime);
    io.err(`run ${runId} started (data in ${runtime.adapters.dataDir})`);
    const run = await runtime.wait(runId, (r) => progress.tick(r, runtime.adapters.state));
    progress.done();
    if (common.json) io.out(JSON.stringify(run, null, 2));
    else io.out([runSummary(run), ...(await intermediatesLines(common.dataDir, run))].join('\n'));
    return run.status === 'DONE' ? 0 : 1;
  } finally {
    process.off('SIGINT', interrupt);
    await runtime.close();
  }
}
