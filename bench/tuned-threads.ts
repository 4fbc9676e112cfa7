// Control for the two-worker target of issue 12: the tuned byte loop (tuned-loop.ts) over the whole
// input in N worker threads of one process at once, each timing itself. If N threads each take
// about what one takes alone, the machine gives N cores to a CPU-bound loop, and whatever the
// engine's workers lose beyond that is the engine's (or its allocation's), not the machine's.
// Usage: node bench/tuned-threads.ts INPUT [THREADS=2]

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { countWordsTuned } from './tuned-loop.ts';

if (isMainThread) {
  const [input, threads = '2'] = process.argv.slice(2);
  if (!input) throw new Error('Usage: node bench/tuned-threads.ts INPUT [THREADS=2]');
  const started = performance.now();
  const seconds = await Promise.all(
    Array.from(
      { length: Number(threads) },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: input });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const wall = (performance.now() - started) / 1000;
  console.log(
    `${threads} thread(s): ${seconds.map((s) => s.toFixed(2)).join(' s, ')} s each; ${wall.toFixed(2)} s wall`,
  );
} else {
  const started = performance.now();
  countWordsTuned(workerData as string);
  parentPort!.postMessage((performance.now() - started) / 1000);
}
