// Flag parsing as a user meets it: a typo gets the flag it was probably meant to be, a bad value
// says what the flag takes, and arguments a command does not take are refused, not dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, parse } from '../../src/cli/args.ts';

const OPTIONS = {
  input: { type: 'string', multiple: true },
  project: { type: 'string' },
  watch: { type: 'boolean' },
} as const;

test('didYouMean finds typos, swaps and unambiguous prefixes, and nothing for unrelated words', () => {
  const flags = ['--json', '--jobs', '--project', '--data-dir', '--watch', '--help'];
  const cases: [string, string | undefined][] = [
    ['--jsno', '--json'],
    ['--jsn', '--json'],
    ['--proj', '--project'],
    ['--projcet', '--project'],
    ['--data_dir', '--data-dir'],
    ['--wach', '--watch'],
    ['--verbose', undefined],
    ['--x', undefined],
  ];
  for (const [word, expected] of cases) assert.equal(didYouMean(word, flags), expected, word);
});

test('an unknown flag names the near flag and the flags the command takes', () => {
  assert.throws(() => parse('status', ['--wach'], OPTIONS), {
    name: 'ConfigError',
    message:
      'Unknown flag --wach. Did you mean --watch? Flags: --data-dir, --jobs, --help, --json, --input, ' +
      '--project, --watch. A value that starts with - goes after --, as in `-- -5`. ' +
      'See `cloudreduce status --help`.',
  });
});

test('a flag without its value, and a switch given a value, say what the flag takes', () => {
  assert.throws(() => parse('submit', ['--project'], OPTIONS), {
    message: '--project needs a value, as in --project VALUE. See `cloudreduce submit --help`.',
  });
  assert.throws(() => parse('status', ['--watch=yes'], OPTIONS), {
    message: '--watch is a switch and takes no value; write --watch alone. See `cloudreduce status --help`.',
  });
});

test('extra positional arguments are refused, with a hint for a shell-expanded --input glob', () => {
  assert.throws(() => parse('run', ['wordcount', '--input', 'a.txt', 'b.txt'], OPTIONS, ['JOB']), {
    name: 'ConfigError',
    message:
      'cloudreduce run takes at most one argument (JOB); unexpected "b.txt". A glob after --input that ' +
      "the shell expanded? Quote it (--input '*.txt') or repeat --input per file. See `cloudreduce run --help`.",
  });
  assert.throws(() => parse('jobs', ['all'], {}, []), {
    message: 'cloudreduce jobs takes no arguments; unexpected "all". See `cloudreduce jobs --help`.',
  });
  assert.deepEqual(parse('run', ['wordcount'], OPTIONS, ['JOB']).positionals, ['wordcount']);
  // A command that names no positionals (query's SQL words) takes any number.
  assert.deepEqual(parse('query', ['SELECT', '1'], {}).positionals, ['SELECT', '1']);
});
