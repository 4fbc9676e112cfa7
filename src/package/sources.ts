// Where the running cloudreduce keeps what `cloudreduce package` bundles: the functions entry and
// the public modules job modules import. Found next to this file, so the archive carries the same
// cloudreduce as the CLI that builds it, from source in this repository (.ts) or compiled in an
// installed package (.js), and a job module's `import … from 'cloudreduce'` lands on the very files
// the functions use (one copy of the job and reader/writer registries).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** The folder holding src/, functions/ and jobs/: the repository, or the package's build output. */
const TREE = new URL('../../', import.meta.url);

export interface CloudreduceSources {
  functionsEntry: string;
  aliases: Record<string, string>;
  version: string;
}

export function cloudreduceSources(): CloudreduceSources {
  const file = (path: string) => fileURLToPath(new URL(`${path}${EXT}`, TREE));
  return {
    functionsEntry: file('functions/index'),
    aliases: { cloudreduce: file('src/index'), 'cloudreduce/testing': file('src/testing') },
    version: ownVersion(),
  };
}

/** cloudreduce's version, from the nearest package.json named cloudreduce above this file. */
function ownVersion(): string {
  for (let dir = new URL('./', import.meta.url); ;) {
    const path = fileURLToPath(new URL('package.json', dir));
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cloudreduce') return pkg.version ?? 'unknown';
    }
    const parent = new URL('../', dir);
    if (parent.href === dir.href) return 'unknown';
    dir = parent;
  }
}
