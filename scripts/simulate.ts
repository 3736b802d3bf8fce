// npm run simulate -- --url URL --sale ID --buyers N [--quantity Q] [--concurrency C] [--spread MS]
// Registers N buyers, waits for the sale to start, buys as a crowd, then checks the count. Exit 1 on failure.
import { parseArgs } from 'node:util';
import { formatSummary, runSimulation } from './simulator';
import { ProgressDisplay } from './simulator/progress';

const USAGE = `Usage: npm run simulate -- --url URL --sale ID --buyers N [--quantity Q] [--concurrency C]
       [--spread MS] [--max-wait S] [--json]
  --url          the server, e.g. http://localhost:3000
  --sale         the sale id
  --buyers       buyers to register (each needs one call to /api/auth/register: see AUTH_RATE_LIMIT)
  --quantity     units per order (default 1)
  --concurrency  purchase calls in flight at once (default 64)
  --spread       arrivals spread over this many ms after the start (default 2000)
  --max-wait     seconds to wait at most for the start (default 900)
  --json         print the result as JSON instead of the summary`;

function positiveInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number (got ${String(value)})`);
  return n;
}

function parse() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      sale: { type: 'string' },
      buyers: { type: 'string' },
      quantity: { type: 'string' },
      concurrency: { type: 'string' },
      spread: { type: 'string' },
      'max-wait': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  if (!values.url || !values.sale || !values.buyers)
    throw new Error('--url, --sale and --buyers are required');
  const buyers = positiveInt('buyers', values.buyers);
  if (buyers < 1 || buyers > 20_000) throw new Error('--buyers must be between 1 and 20000');
  return {
    url: values.url,
    saleId: values.sale,
    buyers,
    quantity: Math.max(1, positiveInt('quantity', values.quantity, 1)),
    concurrency: Math.max(1, positiveInt('concurrency', values.concurrency, 64)),
    spreadMs: positiveInt('spread', values.spread, 2000),
    maxWaitMs: positiveInt('max-wait', values['max-wait'], 900) * 1000,
    json: values.json,
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const display = new ProgressDisplay();
  const result = await runSimulation({
    ...options,
    signal: interrupt.signal,
    onProgress: (progress) => display.update(progress),
  });
  display.stop();
  process.stdout.write(`${options.json ? JSON.stringify(result, null, 2) : formatSummary(result)}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
