// The ingest functions: HTTP `ingest` (POST records) and `ingestObject` (Cloud Storage
// object-finalized events on the incoming bucket). See docs/ingest.md and handlers.ts.
import * as ff from '@google-cloud/functions-framework';
import { ingestHttp, ingestObjectEvent } from './handlers.ts';

ff.http('ingest', ingestHttp());
ff.cloudEvent('ingestObject', ingestObjectEvent());
