/**
 * `npm run fuzz [-- --runs 10000 --socket-runs 2000 --seed N]`: property-based fuzzing of every route and socket
 * event against the app on a fresh database (the embedded one, or MONGODB_URI). Prints what was sent and what
 * came back; exits non-zero on the first property failure, with the request and the seed to replay it.
 */
import type { Db } from 'mongodb';
import { readCommandLine } from '@flash-sale/crowd';
import { TestApp, makeFixtures, fuzzHttp, fuzzSockets } from '@flash-sale/harness/app';

/** A small per-IP connection cap, so the socket fuzzer's crowds of connections reach it. */
const SOCKET_CAP = 5;

const values = readCommandLine({
  name: 'fuzz',
  summary: 'Property-based fuzzing of every route and socket event against the app on a fresh database.',
  options: {
    runs: { kind: 'int', placeholder: 'N', help: 'HTTP requests', min: 1, max: 10_000_000, default: 10_000 },
    'socket-runs': {
      kind: 'int',
      placeholder: 'N',
      help: 'socket events',
      min: 0,
      max: 10_000_000,
      default: 2000,
    },
    seed: {
      kind: 'int',
      placeholder: 'N',
      help: 'random seed (the default comes from the clock)',
      min: 0,
      max: 2 ** 31 - 1,
      default: Date.now() % 1_000_000,
    },
  },
});

async function main(): Promise<void> {
  const { seed } = values;
  const t = await TestApp.start({ env: { SOCKET_CONNECTIONS_PER_IP: String(SOCKET_CAP) } });
  try {
    const fixtures = await makeFixtures(t);
    console.log(
      `fuzzing: ${values.runs} HTTP requests, ${values['socket-runs']} socket events, seed ${seed}`,
    );
    const started = Date.now();
    const http = await fuzzHttp(t.baseUrl, t.connection.db as unknown as Db, fixtures, {
      numRuns: values.runs,
      seed,
    });
    console.log(
      `HTTP: ${http.requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s, no 5xx, no change from a refusal`,
    );
    console.log(`  by status: ${JSON.stringify(http.byStatus)}`);
    console.log(`  by route: ${JSON.stringify(http.byRoute)}`);
    console.log(
      `  idempotent replays: ${http.replays}; unsendable by the client: ${http.unsendable}; slowest ${Math.round(http.slowestMs)} ms`,
    );
    const sockets = await fuzzSockets(t.baseUrl, fixtures, {
      numRuns: values['socket-runs'],
      seed,
      connectionCap: SOCKET_CAP,
    });
    console.log(
      `sockets: ${sockets.events} events, ${sockets.acked.ok} acked ok, refused ${JSON.stringify(sockets.acked.refused)}, ${sockets.unacked} without ack; connection up throughout`,
    );
    console.log(
      `  crowds over the cap of ${SOCKET_CAP} per IP: ${sockets.crowd.connected} connected, ${sockets.crowd.refused} refused with RATE_LIMITED`,
    );
  } finally {
    await t.stop();
  }
}

// Exit explicitly: the embedded database of the test helpers lives until the process ends.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
