// @duckdb/node-api, loaded with require(). It is a CommonJS package of many files: `import` makes
// Node's ESM loader pre-parse every one of them for its export names (cjs-module-lexer) before
// running them, which require() does not. Measured on the benchmark machine (`node -e` timing one
// load each, three times): import 117-143 ms and 150-200 ms of CPU, require 81-93 ms and about
// 100 ms. The local runtime loads the warehouse while the workers map (local-adapters.ts), so with
// as many workers as cores that CPU is taken from them.

import { createRequire } from 'node:module';
import type * as DuckDbApi from '@duckdb/node-api';

export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDbApi;
