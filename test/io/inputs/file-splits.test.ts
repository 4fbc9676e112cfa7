import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeRanges, planFileSplits } from '../../../src/io/inputs/file-splits.ts';

const files = fc.array(
  fc.record({
    uri: fc.constantFrom('a.txt', 'b.txt', 'c.csv', 'd.gz'),
    size: fc.integer({ min: 0, max: 5000 }),
  }),
  { maxLength: 8 },
);

describe('planFileSplits', () => {
  test('cuts files into at most `shards` splits of non-empty ranges that cover every byte once', () => {
    fc.assert(
      fc.property(
        files,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 2000 }),
        (list, shards, minSplitBytes) => {
          const named = list.map((f, i) => ({ uri: `${i}-${f.uri}`, size: f.size }));
          const splits = planFileSplits(named, shards, minSplitBytes);
          const total = named.reduce((s, f) => s + f.size, 0);
          assert.ok(splits.length <= shards);
          assert.ok(splits.length <= Math.max(1, Math.floor(total / minSplitBytes)) || total === 0);
          assert.equal(total === 0, splits.length === 0);
          for (const ranges of splits) assert.ok(ranges.length > 0);
          const ranges = splits.flat();
          for (const r of ranges) assert.ok(r.start < r.end, `empty range ${JSON.stringify(r)}`);
          // In file order, each file's ranges tile [0, size).
          for (const file of named.filter((f) => f.size > 0)) {
            const own = ranges.filter((r) => r.uri === file.uri);
            if (file.uri.endsWith('.gz')) {
              assert.deepEqual(own, [
                { uri: file.uri, start: 0, end: file.size, size: file.size, gzip: true },
              ]);
              continue;
            }
            let pos = 0;
            for (const r of own) {
              assert.equal(r.start, pos);
              assert.equal(r.size, file.size);
              pos = r.end;
            }
            assert.equal(pos, file.size);
          }
          assert.deepEqual(
            [...new Set(ranges.map((r) => r.uri))],
            named.filter((f) => f.size > 0).map((f) => f.uri),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('weighs splits by size: a large file is cut, small ones are grouped', () => {
    const splits = planFileSplits(
      [
        { uri: 'big.txt', size: 300 },
        { uri: 's1.txt', size: 50 },
        { uri: 's2.txt', size: 50 },
      ],
      4,
      1,
    );
    assert.deepEqual(
      splits.map((ranges) => ranges.map((r) => `${r.uri}:${r.start}-${r.end}`)),
      [['big.txt:0-100'], ['big.txt:100-200'], ['big.txt:200-300'], ['s1.txt:0-50', 's2.txt:0-50']],
    );
  });

  test('describes splits for status pages', () => {
    assert.equal(describeRanges([{ uri: 'a.txt', start: 0, end: 10, size: 20 }]), 'a.txt bytes 0-10');
    assert.equal(
      describeRanges([{ uri: 'a.gz', start: 0, end: 10, size: 10, gzip: true }]),
      'a.gz (gzip, whole file)',
    );
    assert.equal(
      describeRanges([
        { uri: 'a.txt', start: 5, end: 10, size: 10 },
        { uri: 'b.txt', start: 0, end: 10, size: 10 },
        { uri: 'c.txt', start: 0, end: 3, size: 10 },
      ]),
      'a.txt bytes 5-10 (end) … c.txt bytes 0-3 (3 files)',
    );
  });
});
