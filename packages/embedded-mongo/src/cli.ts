#!/usr/bin/env node
/**
 * Runs the embedded server in the foreground: `npm run emulator -- --port 27017 --max-memory-mb 256`.
 * Prints the connection string on stdout; stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { defaultMaxMemoryBytes } from './engine/memory-bound';
import { start } from './index';

const USAGE =
  'usage: npm run emulator -- [--port N] [--host ADDRESS] [--max-memory-mb N] [--ttl-monitor-sleep-secs N]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseNumber(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'max-memory-mb': { type: 'string' },
        'ttl-monitor-sleep-secs': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = parseNumber(values.port, 'port', 0, 65535) ?? 27017;
  const maxMemoryMb = parseNumber(values['max-memory-mb'], 'max-memory-mb', 1, 1 << 20);
  const ttlMonitorSleepSecs = parseNumber(
    values['ttl-monitor-sleep-secs'],
    'ttl-monitor-sleep-secs',
    1,
    2 ** 31 - 1,
  );
  const server = await start({
    port,
    host: values.host,
    engine: maxMemoryMb === undefined ? {} : { maxMemoryBytes: maxMemoryMb * 2 ** 20 },
    logger: (line) => process.stderr.write(`${line}\n`),
    ttlMonitorSleepSecs,
  });
  const boundMb = maxMemoryMb ?? Math.floor(defaultMaxMemoryBytes() / 2 ** 20);
  process.stderr.write(
    `embedded MongoDB-compatible server: in memory (bound: ${boundMb} MiB of BSON), for tests and demos, not for production\n`,
  );
  process.stdout.write(`${server.uri}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`cannot start: ${(err as Error).message}\n`);
  process.exit(1);
});
