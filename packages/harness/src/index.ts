// The harness's main entry: what runs the app from the outside (child processes, the database process, HTTP and
// database fixtures, the test database) and the crash drivers built on them. It loads no app module in this process
// except the token service: the in-process app is '@flash-sale/harness/app', the browser '@flash-sale/harness/chromium'.
export * from './processes';
export * from './app-server';
export * from './fixtures';
export * from './db';
export * from './crash/ledger';
export * from './crash/rush-client';
export * from './crash/kill9';
export * from './crash/crash-points';
