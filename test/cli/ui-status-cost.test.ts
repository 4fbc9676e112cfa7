// `status RUN` prints the run's measured cost (with a price table override), and `cloudreduce ui`
// serves the pages, warns when it listens beyond the loopback interface and stops on Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './run-cli.ts';

test('status RUN prints the cost at the prices of --prices, and ui serves the runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ui-cli-'));
  try {
    await writeFile(join(dir, 'in.txt'), 'a b c\nb c d\n');
    const run = await runCli(['run', 'wordcount', '--input', 'in.txt', '--run-id', 'wc'], dir);
    assert.equal(run.code, 0, run.stderr);
    await writeFile(
      join(dir, 'prices.json'),
      JSON.stringify({ source: 'my prices', gcsClassAPer1000: 1000 }),
    );
    const status = await runCli(['status', 'wc', '--prices', 'prices.json'], dir);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^cost \(measured usage × my prices\):$/m);
    // The local run's output parts and results are uploads: class A operations, at $1 each here.
    const storage = /^Cloud Storage\s+(\d+) class A, (\d+) class B, (\d+) deletes \(free\)\s+\$(\S+)$/m.exec(
      status.stdout,
    );
    assert.ok(storage, status.stdout);
    assert.ok(Number(storage[1]) > 0);
    const [a, b] = [Number(storage[1]), Number(storage[2])];
    // $1 per class A operation, 4 × 10⁻⁷ per class B: printed with four decimals.
    assert.ok(Math.abs(Number(storage[4]) - (a * 1 + b * 0.0000004)) < 1e-4, storage[0]);
    const bad = await runCli(['status', 'wc', '--prices', 'missing.json'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Cannot read the price table missing\.json/);

    const ui = startCli(['ui', '--port', '0', '--host', '0.0.0.0'], dir);
    let stdout = '';
    let stderr = '';
    ui.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    ui.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => ui.on('exit', (code) => r(code)));
    for (let i = 0; i < 400 && !/http:\/\/\S+/.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /(http:\/\/\S+) \(reading /.exec(stdout)?.[1];
    assert.ok(url, `ui printed its address: ${stdout}${stderr}`);
    assert.match(
      stderr,
      /warning: --host 0\.0\.0\.0 makes the status pages .* reachable from other machines/,
    );
    const page = await (await fetch(`${url}/`)).text();
    assert.match(page, /data-run="wc"/);
    ui.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
