// The emulator control lives in src/cloud/emulators.ts, where `cloudreduce dev` can use it at
// runtime; this path stays for the test runner and anyone who imported it from here.
export { startEmulators, freePort } from '../src/cloud/emulators.ts';
export type { Emulators, StartOptions } from '../src/cloud/emulators.ts';
