// npm run simulate -- --url URL --sale ID --buyers N [--quantity Q] [--concurrency C] [--spread S] [--json]
// Registers N buyers, waits for the sale to start, buys as a crowd, then checks the count. Exit 1 on failure.
import { httpUrl, readCommandLine, formatSummary, runSimulation, ProgressDisplay } from '@flash-sale/crowd';

const options = readCommandLine({
  name: 'simulate',
  summary:
    'Registers N buyers, waits for the start on the server clock, buys as a crowd and checks the count.\n' +
    'On 429 (AUTH_RATE_LIMIT) registration waits as Retry-After says, then goes on.',
  options: {
    url: { kind: 'text', placeholder: 'URL', help: 'the server, e.g. http://localhost:3000', check: httpUrl },
    sale: { kind: 'text', placeholder: 'ID', help: 'the sale id (npm start prints the demo sale id)' },
    buyers: { kind: 'int', placeholder: 'N', help: 'buyers to register', min: 1, max: 20_000 },
    quantity: { kind: 'int', placeholder: 'Q', help: 'units per order', min: 1, max: 1_000_000, default: 1 },
    concurrency: {
      kind: 'int',
      placeholder: 'C',
      help: 'purchase calls in flight',
      min: 1,
      max: 5000,
      default: 64,
    },
    spread: {
      kind: 'number',
      placeholder: 'S',
      help: 'arrivals spread over this many seconds after the start',
      min: 0,
      max: 600,
      default: 2,
    },
    'max-wait': {
      kind: 'int',
      placeholder: 'S',
      help: 'longest wait for the start, seconds',
      min: 0,
      max: 86_400,
      default: 900,
    },
    json: { kind: 'flag', help: 'print the result as JSON instead of the summary' },
  },
});

async function main(): Promise<number> {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const display = new ProgressDisplay();
  const result = await runSimulation({
    url: options.url,
    saleId: options.sale,
    buyers: options.buyers,
    quantity: options.quantity,
    concurrency: options.concurrency,
    spreadMs: Math.round(options.spread * 1000),
    maxWaitMs: options['max-wait'] * 1000,
    signal: interrupt.signal,
    onProgress: (progress) => display.update(progress),
    onRateLimited: (waitMs, done) =>
      display.note(
        `Auth rate limit (429) after ${done} buyers: waiting ${Math.ceil(waitMs / 1000)} s as Retry-After ` +
          'says (the server sets AUTH_RATE_LIMIT per minute)',
      ),
  });
  display.stop();
  process.stdout.write(`${options.json ? JSON.stringify(result, null, 2) : formatSummary(result)}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // runSimulation reports the server's faults in its result: what lands here is a bug of the simulator.
    console.error(error);
    process.exit(1);
  },
);
