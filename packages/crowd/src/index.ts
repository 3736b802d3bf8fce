// '@flash-sale/crowd': an HTTP client of the API as buyers and as the demo's admin (the simulator, registration, the
// demo sale) and the command-line parsing the scripts share. It imports nothing of the app.
export * from './simulator';
export { answerKey, forEachLimited, sleep, type Answer, type CallOptions } from './simulator/http';
export { ProgressDisplay } from './simulator/progress';
export * from './cli/args';
export * from './demo-sale';
