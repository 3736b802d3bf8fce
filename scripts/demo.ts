// npm run demo [-- --port 3000 --buyers 300 --start-in 25]
// Starts the server (embedded database, demo sale starting soon) and sends a crowd of simulated buyers at every
// round, so the page shows the counter falling. Ctrl-C stops the crowd, then the server, in order.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEMO_ADMIN_EMAIL, DEMO_SALE_ID } from '../server/demo/ids';
import { crowdEveryRound } from './demo/crowd-loop';
import { startServerProcess, type ServerProcess } from './demo/server-process';
import { ApiClient, readSale, registerBuyers, SimulationError, type SaleView } from './simulator';
import { ProgressDisplay } from './simulator/progress';

const print = (text: string) => process.stdout.write(`${text}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT || '3000' },
      buyers: { type: 'string', default: '300' },
      'start-in': { type: 'string', default: '25' },
      spread: { type: 'string', default: '10000' },
    },
  });
  const number = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be between ${min} and ${max}`);
    return n;
  };
  return {
    port: number('port', values.port, 1, 65535),
    buyers: number('buyers', values.buyers, 1, 5000),
    startIn: number('start-in', values['start-in'], 0, 3600),
    spreadMs: number('spread', values.spread, 0, 60_000),
  };
}

/** The demo sale (well-known id), or the first sale still to come or live when the server seeded another way. */
async function findSale(client: ApiClient): Promise<SaleView> {
  const demo = await readSale(client, DEMO_SALE_ID).catch(() => null);
  if (demo) return demo.sale;
  const answer = await client.call<{ items: SaleView[] }>('GET', '/api/sales');
  const sale = answer.body?.items?.find((s) => s.status !== 'sold_out') ?? answer.body?.items?.[0];
  if (!sale) throw new SimulationError('The server has no sale: is DEMO on?');
  return sale;
}

async function main(): Promise<number> {
  const opts = options();
  const adminPassword = randomBytes(9).toString('base64url');
  const interrupt = new AbortController();
  let server: ServerProcess | null = null;
  const onSignal = () => {
    if (interrupt.signal.aborted) return;
    print('\nStopping the crowd and the server…');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  try {
    print(`Starting the server on port ${opts.port} (embedded database)…`);
    server = await startServerProcess({
      port: opts.port,
      env: {
        MONGODB_URI: undefined,
        DEMO: 'true',
        DEMO_START_DELAY_S: String(opts.startIn),
        // The whole crowd registers from this one IP within a minute.
        AUTH_RATE_LIMIT: String(Math.max(1000, opts.buyers * 4)),
        ADMIN_EMAIL: DEMO_ADMIN_EMAIL,
        ADMIN_PASSWORD: adminPassword,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      onLine: (line) => print(`[server] ${line}`),
    });
    if (interrupt.signal.aborted) return 0;
    const client = new ApiClient(server.url);
    const sale = await findSale(client);
    const startsIn = Math.max(
      0,
      Math.round((Date.parse(sale.startsAt) - Date.parse(sale.serverTime)) / 1000),
    );
    print(
      [
        '',
        `Open ${server.url}/?sale=${sale.id} and race the crowd.`,
        `Admin login (operator console): ${DEMO_ADMIN_EMAIL} / ${adminPassword}`,
        `Sale "${sale.product.name}": ${sale.units} units, ${startsIn > 0 ? `starts in ${startsIn} s` : 'live now'}` +
          `${sale.restartSchedule ? `, a new round on "${sale.restartSchedule}" (UTC)` : ''}.`,
        `A crowd of ${opts.buyers} simulated buyers arrives at each start. Ctrl-C stops everything.`,
        '',
      ].join('\n'),
    );
    const display = new ProgressDisplay();
    const buyers = await registerBuyers({
      client,
      count: opts.buyers,
      concurrency: 8,
      signal: interrupt.signal,
      onRegistered: (done) => display.update({ phase: 'register', done, total: opts.buyers }),
    });
    display.stop();
    // The server may stop on its own (a crash): then the crowd stops too.
    let serverDied = false;
    void server.exited.then(() => {
      if (interrupt.signal.aborted) return;
      serverDied = true;
      print('The server stopped unexpectedly.');
      interrupt.abort();
    });
    const ok = await crowdEveryRound({
      client,
      saleId: sale.id,
      buyers,
      spreadMs: opts.spreadMs,
      signal: interrupt.signal,
      display,
      print,
    });
    return ok && !serverDied ? 0 : 1;
  } catch (error) {
    if (interrupt.signal.aborted) return 0;
    const message = error instanceof Error ? error.message : String(error);
    print(`Demo failed: ${message}`);
    if (/EADDRINUSE/.test(message))
      print(`Port ${opts.port} is taken: try npm run demo -- --port ${opts.port + 1}`);
    return 1;
  } finally {
    if (server) {
      const code = await server.stop();
      print(code === 0 ? 'Server stopped.' : `Server exited with code ${code}.`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
