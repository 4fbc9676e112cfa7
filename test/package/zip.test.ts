// The archive writer is deterministic and writes zips other tools read back exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zip, type ZipEntry } from '../../src/package/zip.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudreduce-zip-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => Buffer.from(s, 'utf8');
const ENTRIES: ZipEntry[] = [
  { name: 'package.json', data: text('{"name":"x"}\n') },
  { name: 'functions/index.js', data: text("import './map/index.js';\n".repeat(50)) },
  { name: 'src/core/é-unicode.js', data: text('export const é = 1;\n') },
  { name: 'empty.txt', data: Buffer.alloc(0) },
  { name: 'random.bin', data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)) },
];

/** unzip is only a reader for checking; a machine without it fails the test, saying so. */
function unzip(args: string[]): string {
  const result = spawnSync('unzip', args, { encoding: 'utf8' });
  if (result.error)
    throw new Error(`unzip not found (${result.error.message}): install it (apt-get install unzip)`);
  assert.equal(result.status, 0, `unzip ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

test('the same files in any order give the same bytes', () => {
  const a = zip(ENTRIES);
  const b = zip([...ENTRIES].reverse());
  assert.ok(a.equals(b), 'entry order must not change the archive');
});

test('unzip reads back every file exactly, sorted, stamped 1980-01-01, mode 0644', async () => {
  const path = join(dir, 'a.zip');
  await writeFile(path, zip(ENTRIES));
  unzip(['-tq', path]);
  const listing = unzip(['-Z', '-l', path]);
  const lines = listing.split('\n').filter((l) => /^-rw/.test(l));
  assert.deepEqual(
    lines.map((l) => l.split(/\s+/).at(-1)),
    ENTRIES.map((e) => e.name).sort(),
  );
  for (const line of lines) {
    assert.match(line, /^-rw-r--r--/, line);
    assert.match(line, /80-Jan-01 00:00|1980-01-01 00:00/, line);
  }
  const out = join(dir, 'out');
  unzip(['-q', path, '-d', out]);
  for (const entry of ENTRIES)
    assert.ok(
      (await readFile(join(out, entry.name))).equals(Buffer.from(entry.data)),
      `${entry.name} round-trips`,
    );
});

test('refuses names that would escape the directory or collide', () => {
  assert.throws(() => zip([{ name: '../x', data: text('') }]), /invalid entry name/);
  assert.throws(() => zip([{ name: '/abs', data: text('') }]), /invalid entry name/);
  assert.throws(
    () =>
      zip([
        { name: 'a', data: text('1') },
        { name: 'a', data: text('2') },
      ]),
    /duplicate entry a/,
  );
});
