/**
 * `npm run conformance -w packages/embedded-mongo -- --dir DIR [runner options]`: starts this package's server on a
 * free port and runs MongoDB's unified-format spec tests (crud, transactions, change-streams) from DIR against it,
 * through the real `mongodb` driver, with `unified-runner.mjs` beside this file. Prints the runner's pass rate.
 *
 * The spec JSON is not in this repository (CC BY-NC-SA 3.0): extract it from a copy of the public repository
 * mongodb/specifications with `git archive` of `source/{crud,transactions,change-streams}/tests/unified/*.json`
 * into DIR/crud, DIR/transactions and DIR/change-streams (see the README's Conformance section).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { start } from '../src';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'usage: npm run conformance -w packages/embedded-mongo -- --dir DIR [--only crud|transactions|change-streams] [--verbose]\n',
    );
    return 0;
  }
  const server = await start({ port: 0 });
  try {
    const runner = spawn(process.execPath, [path.join(__dirname, 'unified-runner.mjs'), ...args], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, MONGODB_URI: server.uri },
      stdio: 'inherit',
    });
    return await new Promise<number>((resolve, reject) => {
      runner.once('error', reject);
      runner.once('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
