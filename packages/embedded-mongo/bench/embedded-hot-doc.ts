/**
 * Hot-document throughput of the embedded server, as a ratio to a do-nothing server, same driver, same run:
 * C concurrent callers doing `findOneAndUpdate({_id:'hot'}, {$inc:{n:1}})` for S seconds against each.
 *
 *   npx tsx bench/embedded-hot-doc.ts [--seconds 3] [--concurrency 32] [--placement child|inproc]
 *
 * placement `child` (default) runs each server in a process of its own, as a database is deployed; `inproc`
 * runs it inside the benchmark process, as the app and the tests use it (the server's CPU then adds to the
 * driver's). Profile the embedded side with `--placement inproc` under `node --cpu-prof --import tsx`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { start } from '../src';
import { startDoNothingServer } from './do-nothing-server';

type Kind = 'embedded' | 'do-nothing';

interface Served {
  uri: string;
  stop(): Promise<void>;
  /** CPU time the server process has used so far (µs); undefined when it shares this process. */
  cpuMicros(): Promise<number | undefined>;
}

async function serve(kind: Kind): Promise<Served> {
  const server = kind === 'embedded' ? await start() : await startDoNothingServer();
  return { uri: server.uri, stop: () => server.stop(), cpuMicros: async () => undefined };
}

/** Runs a server in a child process (this file with --serve) and returns its URI. */
async function serveInChild(kind: Kind): Promise<Served> {
  const child: ChildProcess = fork(__filename, ['--serve', kind], { execArgv: ['--import', 'tsx'] });
  const uri = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve(String(m)));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return {
    uri,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    cpuMicros: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve(Number(m)));
        child.send('cpu');
      }),
  };
}

/** A connected client on one server and its hammer: `run(ms)` returns operations per second. */
async function hammer(
  uri: string,
  concurrency: number,
): Promise<{ run(ms: number): Promise<number>; close(): Promise<void> }> {
  const client = await new MongoClient(uri, { maxPoolSize: concurrency }).connect();
  const coll = client.db('bench').collection<{ _id: string; n: number }>('hot');
  await coll.updateOne({ _id: 'hot' }, { $set: { n: 0 } }, { upsert: true });
  return {
    async run(ms) {
      let ops = 0;
      const began = process.hrtime.bigint();
      const end = Date.now() + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            await coll.findOneAndUpdate({ _id: 'hot' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
            ops++;
          }
        }),
      );
      return ops / (Number(process.hrtime.bigint() - began) / 1e9);
    },
    close: () => client.close(),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '32' },
      placement: { type: 'string', default: 'child' },
      serve: { type: 'string' },
    },
  });
  if (values.serve) {
    const server = await serve(values.serve as Kind);
    process.send!(server.uri);
    process.on('message', () => {
      const { user, system } = process.cpuUsage();
      process.send!(user + system);
    });
    process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
    return;
  }
  const seconds = Math.min(30, Math.max(1, Number(values.seconds)));
  const concurrency = Math.min(256, Math.max(1, Number(values.concurrency)));
  const inproc = values.placement === 'inproc';
  const kinds: Kind[] = ['do-nothing', 'embedded'];
  const servers = await Promise.all(kinds.map((k) => (inproc ? serve(k) : serveInChild(k))));
  const hammers = await Promise.all(servers.map((s) => hammer(s.uri, concurrency)));
  try {
    for (const h of hammers) await h.run(500); // warm-up: connections, JIT
    // Short alternating windows (A B B A ...), so a change in machine load hits both sides alike.
    const windowMs = 500;
    const rates: number[][] = [[], []];
    const cpu = [0, 0];
    const ops = [0, 0];
    for (let round = 0; round < seconds * 2; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const before = await servers[i].cpuMicros();
        const rate = await hammers[i].run(windowMs);
        const after = await servers[i].cpuMicros();
        rates[i].push(rate);
        cpu[i] += (after ?? 0) - (before ?? 0);
        ops[i] += (rate * windowMs) / 1000;
      }
    }
    for (const [i, kind] of kinds.entries()) {
      const perOp = inproc ? '' : `, server CPU ${(cpu[i] / ops[i]).toFixed(0)} µs/op`;
      console.log(
        `${kind.padEnd(10)} ${median(rates[i]).toFixed(0).padStart(7)} findOneAndUpdate/s (median of ${rates[i].length} windows${perOp})`,
      );
    }
    console.log(
      `ratio embedded / do-nothing: ${(median(rates[1]) / median(rates[0])).toFixed(2)} (goal >= 0.7; ` +
        `${concurrency} callers, ${seconds} s each, servers ${inproc ? 'in this process' : 'in child processes'})`,
    );
  } finally {
    await Promise.all(hammers.map((h) => h.close()));
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
