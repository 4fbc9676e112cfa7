// The naming rules of the Google Cloud resources the configuration names. A name that breaks them
// fails at deploy or at the first request with an opaque 400; checking here says which variable
// is wrong and what is allowed, before anything runs.

export type NameKind =
  | 'project'
  | 'region'
  | 'bucket'
  | 'prefix'
  | 'topic'
  | 'subscription'
  | 'dataset'
  | 'location'
  | 'namespace'
  | 'database'
  | 'host'
  | 'url';

const RULES: Record<NameKind, { test: (v: string) => boolean; allowed: string }> = {
  // "example.com:my-project" is a legacy domain-scoped id; still valid.
  project: {
    test: (v) => /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v),
    allowed: '6-30 lowercase letters, digits and dashes, starting with a letter (e.g. "my-project")',
  },
  region: {
    test: (v) => /^[a-z]+-[a-z]+\d+$/.test(v),
    allowed: 'a Google Cloud region such as "us-central1" or "europe-west1"',
  },
  bucket: {
    test: (v) =>
      /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(v) &&
      v.split('.').every((part) => part.length > 0 && part.length <= 63) &&
      (v.includes('.') || v.length <= 63) &&
      !v.startsWith('goog') &&
      !/^\d+\.\d+\.\d+\.\d+$/.test(v),
    allowed:
      '3-63 lowercase letters, digits, dashes and underscores (dots allow up to 222), starting and ending ' +
      'with a letter or digit, not starting with "goog"',
  },
  prefix: {
    test: (v) =>
      v === '' ||
      (/^[A-Za-z0-9._\-/]{1,200}$/.test(v) &&
        v
          .replace(/^\/+|\/+$/g, '')
          .split('/')
          .every((s) => s !== '' && s !== '.' && s !== '..')),
    allowed:
      'folder names of letters, digits, ".", "_" and "-" separated by "/" (no empty, "." or ".." parts)',
  },
  topic: {
    test: (v) => /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/.test(v) && !v.toLowerCase().startsWith('goog'),
    allowed:
      '3-255 characters: letters, digits and - _ . ~ + %, starting with a letter, not starting with "goog"',
  },
  subscription: {
    test: (v) => /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/.test(v) && !v.toLowerCase().startsWith('goog'),
    allowed:
      '3-255 characters: letters, digits and - _ . ~ + %, starting with a letter, not starting with "goog"',
  },
  dataset: {
    test: (v) => /^[A-Za-z0-9_]{1,1024}$/.test(v),
    allowed: 'letters, digits and underscores (BigQuery dataset ids allow no dashes or dots)',
  },
  location: {
    test: (v) => /^([A-Z]{2}|[a-z]+-[a-z]+\d+)$/.test(v),
    allowed: 'a BigQuery location such as "US", "EU" or "europe-west1"',
  },
  namespace: {
    test: (v) => v === '' || (/^[A-Za-z0-9._-]{1,100}$/.test(v) && !v.startsWith('__')),
    allowed:
      'up to 100 letters, digits, ".", "_" and "-", not starting with "__" (empty = default namespace)',
  },
  database: {
    test: (v) => v === '(default)' || /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/.test(v),
    allowed: '"(default)" or 4-63 lowercase letters, digits and dashes, starting with a letter',
  },
  host: {
    test: (v) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v) || /^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(v),
    allowed: 'host:port, e.g. "127.0.0.1:8085"',
  },
  url: {
    test: (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search;
      } catch {
        return false;
      }
    },
    allowed: 'an http(s) base URL without a path, e.g. "http://127.0.0.1:4443"',
  },
};

/** Why `value` is not a valid `kind` name, or undefined when it is. */
export function check(kind: NameKind, value: string): string | undefined {
  const rule = RULES[kind];
  return rule.test(value) ? undefined : `invalid ${kind}; use ${rule.allowed}`;
}
