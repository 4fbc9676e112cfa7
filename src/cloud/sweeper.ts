// The sweeper function's handler: Cloud Scheduler publishes a tick to the sweep topic, and each
// tick runs the core sweeper over every RUNNING run. A failed sweep is logged and acknowledged:
// the next tick is its retry, and a redelivery storm of ticks would only sweep more often.

import type { Outcome } from '../core/dispatch.ts';
import type { EngineEnv } from '../core/env.ts';
import { toErrorInfo } from '../core/errors.ts';
import { sweepAll } from '../core/sweeper.ts';
import { processCloudEnv } from './engine-env.ts';
import type { MessageHandler } from './function-wrapper.ts';

export interface SweeperOptions {
  /** A run with no progress for this long is flagged; default: the process config's stallSeconds. */
  stallMillis?: () => Promise<number>;
}

const configuredStall = async (): Promise<number> => (await processCloudEnv()).config.stallSeconds * 1000;

export function sweeperHandler(options: SweeperOptions = {}): MessageHandler {
  const stall = options.stallMillis ?? configuredStall;
  return async (env: EngineEnv): Promise<Outcome> => {
    const started = Date.now();
    try {
      const reports = await sweepAll(env, { stallMillis: await stall() });
      const republished = reports.reduce((n, r) => n + r.republished, 0);
      const stalled = reports.filter((r) => r.stalled).map((r) => r.runId);
      const summary = {
        runs: reports.length,
        republished,
        stalled,
        millis: Date.now() - started,
      };
      if (stalled.length) env.logger.warn(`sweep: ${stalled.length} run(s) made no progress`, summary);
      else
        env.logger.info(
          `sweep: ${reports.length} running run(s), ${republished} message(s) re-published`,
          summary,
        );
      return 'ack';
    } catch (err) {
      env.logger.error(`sweep failed; the next tick retries: ${toErrorInfo(err).message}`, {
        error: toErrorInfo(err),
      });
      return 'ack-failed';
    }
  };
}
