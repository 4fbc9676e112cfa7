#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// Entry point of the `cloudreduce` command. Checks the Node version before loading anything that
// needs Node 22 (type stripping, node:sqlite), so an old Node gets a clear message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `cloudreduce needs Node.js 22.18 or newer; this is ${process.version}.\n` +
      'Run it through npm (npm start, npm run cloudreduce -- ARGS, npx cloudreduce ARGS), which uses the Node 22 from devDependencies, or install Node 22.',
  );
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
