#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// Entry point of the `cloudreduce` command. Checks the Node version before loading anything that
// needs Node 22 (type stripping, node:sqlite), so an old Node gets a clear message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `cloudreduce needs Node.js 22.18 or newer; this is ${process.version} (${process.execPath}).\n` +
      'Install Node 22 (nvm install 22, volta install node@22, fnm install 22 or https://nodejs.org), ' +
      'or add it to your project with `npm install --save-dev node@22`: npm scripts and npx then run it.',
  );
  process.exit(2);
}
// V8's code cache on disk (os.tmpdir()/node-compile-cache): later starts skip compiling, and in this
// repository stripping the types of, every module the command loads again — about 0.4 s of CPU
// per run and per worker thread, which inherits it through NODE_COMPILE_CACHE.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
// In this repository the sources run as they are; the published package has only dist/ (npm run build).
const { existsSync } = await import('node:fs');
const source = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(source) ? source.href : '../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
