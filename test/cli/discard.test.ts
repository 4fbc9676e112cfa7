// A run that fails on a full disk keeps its intermediates so it can be resumed once space is freed.
// The failure says how much space they take and the one command that frees it; `discard` gives the
// run up (ABORTED, never resumed over missing intermediates) and deletes them, so a new run has
// the space back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/adapters/local/file-blob-store.ts';
import { SqliteStateStore } from '../../src/adapters/local/sqlite-state-store.ts';
import { formatBytes } from '../../src/cli/intermediates.ts';
import { makeRun } from '../contracts/records.ts';
import { FIXTURE_JOBS, runCli } from './run-cli.ts';

async function keptBytes(dataDir: string, runId: string): Promise<{ bytes: number; objects: number }> {
  let bytes = 0;
  let objects = 0;
  for await (const blob of new FileBlobStore(join(dataDir, 'blobs')).list(`tmp/${runId}/`)) {
    bytes += blob.size;
    objects++;
  }
  return { bytes, objects };
}

test('a run failed by a full disk names its intermediates, their size and the discard command; discard frees them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'discard-'));
  try {
    const dataDir = join(dir, '.cloudreduce');
    const blocker = join(dir, 'disk-is-full');
    await writeFile(blocker, '');
    const args = ['--jobs', FIXTURE_JOBS, '--param', `blocker=${blocker}`];
    const failed = await runCli(['run', 'full-disk-count', ...args, '--run-id', 'full'], dir);
    assert.equal(failed.code, 1, failed.stderr + failed.stdout);
    assert.match(failed.stdout, /^FAILED full-disk-count run full/m);
    assert.match(failed.stdout, /ENOSPC: no space left on device.*The disk is full\./);

    const kept = await keptBytes(dataDir, 'full');
    assert.ok(kept.objects > 0, 'the committed map output is kept for resume');
    const where = join('.cloudreduce', 'blobs', 'tmp', 'full');
    const advice =
      `intermediates: ${formatBytes(kept.bytes)} in ${kept.objects} objects under ${where}/, kept so that ` +
      '`cloudreduce resume full` goes on from them. To give the run up and free the space: ' +
      'cloudreduce discard full';
    assert.ok(failed.stdout.includes(advice), failed.stdout);
    const status = await runCli(['status', 'full'], dir);
    assert.ok(status.stdout.includes(advice), status.stdout);

    const discarded = await runCli(['discard', 'full'], dir);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.equal(
      discarded.stdout.trim(),
      `run full discarded: deleted ${kept.objects} intermediate objects (${formatBytes(kept.bytes)}) under ${where}/; ` +
        'the run is ABORTED and can no longer be resumed',
    );
    assert.equal(existsSync(join(dataDir, 'blobs', 'tmp', 'full')), false);
    const state = new SqliteStateStore(join(dataDir, 'state.db'));
    try {
      const run = await state.getRun('full');
      assert.equal(run?.status, 'ABORTED');
      assert.equal(run?.error?.message, 'discarded by the user (cloudreduce discard) after it failed');
      assert.match(run?.error?.cause?.message ?? '', /^ENOSPC: no space left on device/);
    } finally {
      await state.close();
    }
    const after = await runCli(['status', 'full'], dir);
    assert.doesNotMatch(after.stdout, /intermediates:/);
    const resumed = await runCli(['resume', 'full', '--jobs', FIXTURE_JOBS], dir);
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, /Run full is ABORTED; only a RUNNING or FAILED run can be resumed/);
    const again = await runCli(['discard', 'full'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'run full is ABORTED and keeps no intermediates; nothing to do');

    // Space freed: a new run of the same job finishes.
    await rm(blocker);
    const fresh = await runCli(['run', 'full-disk-count', ...args, '--run-id', 'fresh'], dir);
    assert.equal(fresh.code, 0, fresh.stderr + fresh.stdout);
    assert.match(fresh.stdout, /^DONE full-disk-count run fresh/m);
    assert.doesNotMatch(fresh.stdout, /intermediates:/);
    const done = await runCli(['discard', 'fresh'], dir);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout.trim(), 'run fresh is DONE and keeps no intermediates; nothing to do');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('discard refuses a RUNNING run and an unknown one, saying what to do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'discard-refuse-'));
  try {
    await mkdir(join(dir, '.cloudreduce'));
    const state = new SqliteStateStore(join(dir, '.cloudreduce', 'state.db'));
    await state.insertRun(makeRun('live'));
    await state.close();
    const live = await runCli(['discard', 'live'], dir);
    assert.equal(live.code, 2);
    assert.match(
      live.stderr,
      /Run live is RUNNING; its tasks may still read its intermediates\. Stop it first with cloudreduce abort live, then discard it\./,
    );
    const unknown = await runCli(['discard', 'nope'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No run "nope" in .*\. List runs with: cloudreduce status/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
