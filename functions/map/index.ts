// The map function: Pub/Sub messages on the map topic → the core's dispatch (src/cloud/function-wrapper.ts).
import * as ff from '@google-cloud/functions-framework';
import { wrap } from '../../src/cloud/function-wrapper.ts';

ff.cloudEvent('map', wrap('map'));
