// npm run demo [-- --port 3000 --buyers 300 --start-in 25 --spread 10]
// Starts the server (embedded database), registers a crowd of simulated buyers, then opens a demo sale that
// starts --start-in seconds later and sends the crowd at every round, so the page shows the counter falling.
// Ctrl-C stops the crowd, then the server, in order.
import { randomBytes } from 'node:crypto';
import { DEMO_ADMIN_EMAIL } from '../server/demo/ids';
import { DEMO_RESTART_SCHEDULE, DEMO_UNITS } from '../server/demo/seed';
import {
  readCommandLine,
  createDemoSale,
  ApiClient,
  registerBuyers,
  ProgressDisplay,
} from '@flash-sale/crowd';
import { crowdEveryRound } from './demo/crowd-loop';
import { startServerProcess, type ServerProcess } from './demo/server-process';

const print = (text: string) => process.stdout.write(`${text}\n`);

const opts = readCommandLine({
  name: 'demo',
  summary:
    'The server on the embedded database and a crowd of simulated buyers at every round of a demo sale.\n' +
    'The crowd registers first; the sale starts --start-in seconds after it is ready.',
  options: {
    port: { kind: 'int', placeholder: 'P', help: 'HTTP port', min: 1, max: 65_535, default: 3000 },
    buyers: { kind: 'int', placeholder: 'N', help: 'simulated buyers', min: 1, max: 5000, default: 300 },
    'start-in': {
      kind: 'int',
      placeholder: 'S',
      help: 'seconds from the crowd being ready to the start (later if a scheduled round would cut round 1 short)',
      min: 0,
      max: 3600,
      default: 25,
    },
    spread: {
      kind: 'number',
      placeholder: 'S',
      help: "the crowd's arrivals spread over this many seconds after each start",
      min: 0,
      max: 60,
      default: 10,
    },
  },
});

async function main(): Promise<number> {
  const admin = { email: DEMO_ADMIN_EMAIL, password: randomBytes(9).toString('base64url') };
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
        // The demo creates its sale itself, once the crowd is ready.
        DEMO: 'false',
        // The whole crowd registers from this one IP within a minute.
        AUTH_RATE_LIMIT: String(Math.max(1000, opts.buyers * 4)),
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      onLine: (line) => print(`[server] ${line}`),
    });
    if (interrupt.signal.aborted) return 0;
    const client = new ApiClient(server.url);
    const display = new ProgressDisplay();
    const started = Date.now();
    // Concurrency past the server's cores gains nothing: each registration is a bcrypt hash on the server.
    const buyers = await registerBuyers({
      client,
      count: opts.buyers,
      concurrency: 16,
      signal: interrupt.signal,
      onRegistered: (done) => display.update({ phase: 'register', done, total: opts.buyers }),
    });
    display.stop();
    if (interrupt.signal.aborted) return 0;
    print(`${buyers.length} buyers registered in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    const sale = await createDemoSale({
      client,
      admin,
      startInSeconds: opts['start-in'],
      units: DEMO_UNITS,
      restartSchedule: DEMO_RESTART_SCHEDULE,
    });
    print(
      [
        '',
        `Open ${server.url}/?sale=${sale.id} and race the crowd.`,
        `Admin login (operator console): ${admin.email} / ${admin.password}`,
        `Sale "${sale.product.name}": ${sale.units} units, starts at ${sale.startsAt} ` +
          `(in ${Math.round((Date.parse(sale.startsAt) - Date.now()) / 1000)} s), ` +
          `a new round on "${sale.restartSchedule}" (UTC).`,
        `A crowd of ${buyers.length} simulated buyers arrives at each start. Ctrl-C stops everything.`,
        '',
      ].join('\n'),
    );
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
      spreadMs: Math.round(opts.spread * 1000),
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
