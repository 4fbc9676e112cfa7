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
// In this repository the sources run as they are; the published package has only dist/ (npm run build).
const { existsSync } = await import('node:fs');
const source = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(source) ? source.href : '../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
