// `npm run package` in this repository: regenerates the terraform files that come from the code,
// then builds the function archive with the `cloudreduce package` command, as a user's project does.
//
//   node scripts/package.ts                                  # build/function-source.zip
//   node scripts/package.ts --jobs examples/top-users.ts     # also bundle a job module
//   node scripts/package.ts --out /tmp/fn.zip --skip-generate
//   node scripts/package.ts --terraform-only                 # only terraform/datastore-indexes.tf.json
//
// Every option but the last two goes to `cloudreduce package` (see its --help).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASTORE_INDEXES } from '../src/adapters/gcp/indexes.ts';
import { main as cli } from '../src/cli/main.ts';
import { INDEXES_FILE, writeIndexesFile } from './terraform-indexes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--skip-generate' && a !== '--terraform-only');
  if (!argv.includes('--skip-generate') && !argv.includes('--help')) {
    const changed = await writeIndexesFile(DATASTORE_INDEXES, ROOT);
    console.log(`${INDEXES_FILE}: ${changed ? 'regenerated from DATASTORE_INDEXES' : 'up to date'}`);
  }
  if (argv.includes('--terraform-only')) return 0;
  return cli(['package', ...args]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
