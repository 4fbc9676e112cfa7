// The deadLetter function: messages the other subscriptions gave up on (Pub/Sub's dead-letter
// topic) → the core's handleDeadLetter, which fails their runs with the reason, so a run always
// ends (src/cloud/dead-letter.ts).
import * as ff from '@google-cloud/functions-framework';
import { deadLetterHandler } from '../../src/cloud/dead-letter.ts';
import { wrapHandler } from '../../src/cloud/function-wrapper.ts';

ff.cloudEvent('deadLetter', wrapHandler('deadLetter', deadLetterHandler));
