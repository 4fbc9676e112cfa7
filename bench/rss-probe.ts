// Preloaded (`node --import`) into a measured child: at exit, writes the process's peak RSS and CPU
// time to $BENCH_PROBE_FILE. maxRSS is per process, so it covers the worker threads too.

import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_PROBE_FILE;
if (file && isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const probe = { maxRssKiB: usage.maxRSS, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
    writeFileSync(file, JSON.stringify(probe));
  });
}
