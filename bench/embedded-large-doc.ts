/**
 * `npx tsx bench/embedded-large-doc.ts [--sizes 300,10000] [--batches 6] [--batch-ops 250] [--callers 10]
 * [--max-sec 90] [--placement child|inproc]`: p50 / p99 of the purchase findOneAndUpdate, through the driver
 * against the embedded database, when the sale document's `buyers` and `keys` maps hold about 300 and about
 * 10,000 entries, and the ratio of the p50s (target ≤ 1.2: an update costs what it changes, not the document's
 * size). With `child` (default) the database runs in its own process, pinned to CPU 1 and this process to CPU 0
 * where taskset exists; its CPU per update is printed too.
 */
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { start } from '@flash-sale/embedded-mongo';
import { cpuTimeMs } from './lib/cpu';
import { formatLargeDoc, measureLargeDoc } from './lib/large-doc';
import { pinSelf, startDatabaseProcess } from '@flash-sale/harness';

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`--${name} must be an integer in 1..${max}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '300,10000' },
      batches: { type: 'string', default: '6' },
      'batch-ops': { type: 'string', default: '250' },
      callers: { type: 'string', default: '10' },
      'max-sec': { type: 'string', default: '90' },
      placement: { type: 'string', default: 'child' },
    },
  });
  const sizes = values.sizes.split(',').map((s) => positive('sizes', s, 100_000));
  const opts = {
    sizes,
    batches: positive('batches', values.batches, 100),
    batchOps: positive('batch-ops', values['batch-ops'], 10_000),
    callers: positive('callers', values.callers, 1000),
    warmUp: 200,
    maxMs: positive('max-sec', values['max-sec'], 3600) * 1000,
    log: (line: string) => process.stderr.write(`${line}\n`),
  };
  let uri: string;
  let stop: () => Promise<unknown>;
  let serverCpuMs: (() => number | null) | undefined;
  if (values.placement === 'inproc') {
    const server = await start({ port: 0 });
    uri = server.uri;
    stop = () => server.stop();
  } else {
    pinSelf(0);
    const database = await startDatabaseProcess({ cpu: 1 });
    uri = database.uri;
    stop = () => database.process.stop();
    serverCpuMs = () => cpuTimeMs(database.process.pid);
  }
  const client = await new MongoClient(uri, { maxPoolSize: opts.callers + 5 }).connect();
  try {
    const result = await measureLargeDoc(client.db('embedded_large_doc'), { ...opts, serverCpuMs });
    console.log(
      `findOneAndUpdate of the purchase on one sale document, ${opts.callers} concurrent callers, ` +
        `${values.placement} database (${(result.tookMs / 1000).toFixed(0)} s):`,
    );
    for (const line of formatLargeDoc(result)) console.log(`  ${line}`);
    if (result.sizes.some((s) => s.misses > 0)) throw new Error('some updates found no document');
  } finally {
    await client.close();
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
