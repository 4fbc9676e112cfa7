// `cloudreduce` as a project that installed the package runs it: the built JavaScript of dist/,
// with the compile cache the bin enables. The benchmark builds dist/ first (npm run build) and
// measures this rather than the sources of this checkout, which Node type-strips on every load
// (about 0.45 s more per run on the benchmark machine, in the main thread and in every worker).
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
