// The sweeper function: a Cloud Scheduler tick on the sweep topic → sweepAll over RUNNING runs,
// which re-publishes lost or expired work and flags stalled runs (src/cloud/sweeper.ts).
import * as ff from '@google-cloud/functions-framework';
import { wrapHandler } from '../../src/cloud/function-wrapper.ts';
import { sweeperHandler } from '../../src/cloud/sweeper.ts';

ff.cloudEvent('sweeper', wrapHandler('sweeper', sweeperHandler()));
