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
      const summary = await sweepAll(env, { stallMillis: await stall() });
      const fields = { ...summary, millis: Date.now() - started };
      if (summary.stalled) env.logger.warn(`sweep: ${summary.stalled} run(s) made no progress`, fields);
      else
        env.logger.info(
          `sweep: ${summary.runs} running run(s), ${summary.republished} message(s) re-published`,
          fields,
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
