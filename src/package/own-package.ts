// The installed (or checked-out) cloudreduce package this code runs from: its root folder, which
// holds package.json, terraform/ and templates/, and its version. Found by walking up from this
// file, so it holds for the sources in the repository (src/) and the compiled package (dist/src/).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OwnPackage {
  root: string;
  version: string;
}

let cached: OwnPackage | undefined;

export function ownPackage(): OwnPackage {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cloudreduce') return (cached = { root: dir, version: pkg.version ?? '0.0.0' });
    }
    if (dirname(dir) === dir)
      throw new Error(`No package.json named cloudreduce above ${fileURLToPath(import.meta.url)}`);
  }
}
