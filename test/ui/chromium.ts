// Debian's Chromium for the browser tests and screenshots (playwright-core never downloads one).

export const CHROMIUM = process.env.CLOUDREDUCE_CHROMIUM ?? '/usr/bin/chromium';

/** No sandbox (tests run as root in CI), and nothing that reaches out to the network. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
