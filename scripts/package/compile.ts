// Compiles the functions' TypeScript into a staging directory with the repository's own tsconfig
// (strict; rewriteRelativeImportExtensions turns `./x.ts` imports into `./x.js`). Only what is
// reachable from the entry points is emitted: functions/index.ts, the built-in jobs (loaded by URL
// at run time, so not reachable by imports) and any extra job modules the caller names.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_ENTRIES = ['functions/index.ts', 'jobs/index.ts'];

export async function compile(root: string, outDir: string, entries: readonly string[]): Promise<void> {
  const configDir = await mkdtemp(join(tmpdir(), 'cloudreduce-package-tsconfig-'));
  try {
    const config = {
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        outDir,
        rootDir: root,
        noEmit: false,
        noEmitOnError: true,
        declaration: false,
        sourceMap: false,
        // Type roots resolve from the config's folder, which is not the repository's.
        typeRoots: [join(root, 'node_modules/@types')],
      },
      // `include` would otherwise be inherited (the whole repository, tests included).
      include: [],
      files: entries.map((e) => resolve(root, e)),
    };
    const configPath = join(configDir, 'tsconfig.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    const output: string[] = [];
    const code = await new Promise<number>((done, fail) => {
      const child = spawn(process.execPath, [tsc, '-p', configPath], { cwd: root });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.on('error', fail);
      child.on('close', (status) => done(status ?? 1));
    });
    if (code !== 0) {
      throw new Error(
        `TypeScript compilation of ${entries.join(', ')} failed (tsc exit ${code}); nothing was packaged:\n` +
          output.join(''),
      );
    }
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
