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
import { start } from '../server/embedded-mongo';
import { startDoNothingServer } from './do-nothing-server';

type Kind = 'embedded' | 'do-nothing';

async function serve(kind: Kind): Promise<{ uri: string; stop(): Promise<void> }> {
  return kind === 'embedded' ? start() : startDoNothingServer();
}

/** Runs a server in a child process (this file with --serve) and returns its URI. */
async function serveInChild(kind: Kind): Promise<{ uri: string; stop(): Promise<void> }> {
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
  };
}

/** Operations per second of `concurrency` callers hammering one document for `seconds`. */
async function measure(uri: string, seconds: number, concurrency: number): Promise<number> {
  const client = await new MongoClient(uri, { maxPoolSize: concurrency }).connect();
  try {
    const coll = client.db('bench').collection<{ _id: string; n: number }>('hot');
    await coll.updateOne({ _id: 'hot' }, { $set: { n: 0 } }, { upsert: true });
    const run = async (ms: number): Promise<number> => {
      let ops = 0;
      const end = Date.now() + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            await coll.findOneAndUpdate({ _id: 'hot' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
            ops++;
          }
        }),
      );
      return ops;
    };
    await run(1000); // warm-up: connections, JIT
    const began = process.hrtime.bigint();
    const ops = await run(seconds * 1000);
    return ops / (Number(process.hrtime.bigint() - began) / 1e9);
  } finally {
    await client.close();
  }
}

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
    process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
    return;
  }
  const seconds = Math.min(30, Math.max(1, Number(values.seconds)));
  const concurrency = Math.min(256, Math.max(1, Number(values.concurrency)));
  const inproc = values.placement === 'inproc';
  const rates: Record<Kind, number> = { 'do-nothing': 0, embedded: 0 };
  for (const kind of ['do-nothing', 'embedded'] as Kind[]) {
    const server = inproc ? await serve(kind) : await serveInChild(kind);
    try {
      rates[kind] = await measure(server.uri, seconds, concurrency);
    } finally {
      await server.stop();
    }
    console.log(`${kind.padEnd(10)} ${rates[kind].toFixed(0).padStart(7)} findOneAndUpdate/s`);
  }
  const ratio = rates.embedded / rates['do-nothing'];
  console.log(
    `ratio embedded / do-nothing: ${ratio.toFixed(2)} (goal >= 0.7; ${concurrency} callers, ${seconds} s each, ` +
      `servers ${inproc ? 'in this process' : 'in child processes'})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
