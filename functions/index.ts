// One deployable source for every function: each import registers one entry point with
// functions-framework, and `--target` (terraform's `entry_point`) picks which one an instance serves.
// The list of entry points is FUNCTION_NAMES; test/functions checks that it matches what is registered.
import './split/index.ts';
import './map/index.ts';
import './reduce/index.ts';
import './finalize/index.ts';
import './sweeper/index.ts';
import './ingest/index.ts';
import './dead-letter/index.ts';

export { FUNCTION_NAMES, CLOUD_FUNCTIONS } from '../src/cloud/functions.ts';
// What the deployed functions know, for checking an archive (test/package) without a cloud.
export { loadDeployedJobs } from '../src/cloud/engine-env.ts';
