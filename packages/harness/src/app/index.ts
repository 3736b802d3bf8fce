// '@flash-sale/harness/app': the app in this process (TestApp on the embedded database, its clocks) and the fuzzers
// that run against it. Importing it loads the whole app (server/app.ts and everything it mounts).
export * from './test-app';
export { makeFixtures } from './fuzz/fixtures';
export { fuzzHttp, FUZZ_ANSWER_BOUND_MS, type FuzzStats } from './fuzz/http-fuzz';
export { fuzzSockets, type SocketFuzzStats } from './fuzz/socket-fuzz';
export type { Fixtures, FuzzRequest } from './fuzz/http-cases';
