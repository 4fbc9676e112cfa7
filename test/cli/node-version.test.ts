// The bin's first act: on a Node older than 22.18 it says which version it needs and how a project
// that depends on cloudreduce gets it (our own `node` devDependency is not installed for them).
// Older Nodes are simulated by a preload that rewrites process.version(s) before the bin runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { BIN } from './run-cli.ts';

function runAs(
  version: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const preload =
    `Object.defineProperty(process, 'version', { value: 'v${version}' });` +
    `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`;
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      `--import=data:text/javascript,${encodeURIComponent(preload)}`,
      BIN,
      ...args,
    ],
    { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

for (const version of ['18.20.4', '20.19.0', '22.17.1']) {
  test(`on Node ${version} the CLI exits 2 saying it needs 22.18 and how a project installs it`, async () => {
    const r = await runAs(version, ['jobs']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `^cloudreduce needs Node\\.js 22\\.18 or newer; this is v${version.replaceAll('.', '\\.')} `,
      ),
    );
    assert.match(r.stderr, /nvm install 22/);
    assert.match(r.stderr, /npm install --save-dev node@22/);
  });
}

for (const version of ['22.18.0', '24.1.0']) {
  test(`on Node ${version} the CLI runs`, async () => {
    const r = await runAs(version, ['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Commands:/);
  });
}
