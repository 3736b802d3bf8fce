/**
 * `npm run bench [-- --profile] [-- --only purchase,rush]`: starts the embedded database (or uses MONGODB_URI)
 * and the server as child processes, measures every figure of the benchmark table as a ratio to references
 * measured in the same run, prints the table and writes bench/results/bench-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { newJwtSecret, startAppServer } from './lib/app-server';
import type { BenchContext, Placement, Row } from './lib/context';
import { mintCallers, openDb } from './lib/fixtures';
import { canPin, pinSelf, startDatabaseProcess, type DatabaseProcess } from './lib/processes';
import { profilePurchasePath } from './profile';
import { formatTable, machine, writeResults } from './lib/report';
import * as rows from './rows';
import { startReferences } from './rows/reference';

/** Every row, in run order; `--only` picks some (the references always run). */
const ROW_NAMES = ['purchase', 'sold-out', 'leaderboard', 'push', 'fan-out', 'rush'] as const;
const FAN_OUT_MAX = 10_000;

/** Sockets this machine can hold on both ends: the open-file limit minus a margin, up to FAN_OUT_MAX. */
function fanOutCapacity(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  const limit = out === 'unlimited' ? Infinity : Number(out) || 1024;
  return Math.max(100, Math.min(FAN_OUT_MAX, limit - 500));
}

/**
 * Two CPUs or more: the server under test alone on CPU 0; the database and this process (load generator and
 * socket clients) share CPU 1. So the server never competes with its load, and the floor, baseline and server
 * rows all run with the same placement.
 */
function placement(external: boolean): Placement {
  if (!canPin() || os.cpus().length < 2) return {};
  return external ? { server: 0, load: 1 } : { server: 0, database: 1, load: 1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      'run-sec': { type: 'string', default: '1.5' },
      pairs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
    },
  });
  const only = values.only ? new Set(values.only.split(',')) : new Set<string>(ROW_NAMES);
  for (const name of only) {
    if (!(ROW_NAMES as readonly string[]).includes(name))
      throw new Error(`unknown row ${name}; rows: ${ROW_NAMES.join(',')}`);
  }
  const external = process.env.MONGODB_URI;
  const where = placement(Boolean(external));
  if (where.load !== undefined) pinSelf(where.load);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`machine: ${JSON.stringify(machine())}`);
  log(`placement (taskset CPUs): ${JSON.stringify(where)}`);

  const started = Date.now();
  let database: DatabaseProcess | undefined;
  if (!external) database = await startDatabaseProcess({ cpu: where.database });
  // Its own database name, so repeated runs against MONGODB_URI do not mix.
  const mongodbUri = withDbName(external ?? database!.uri, `bench_${Date.now()}`);
  const jwtSecret = newJwtSecret();
  const app = await startAppServer({
    mongodbUri,
    jwtSecret,
    cpu: where.server,
    onLine: (l) => log(`[server] ${l}`),
  });
  const dbHandle = await openDb(mongodbUri);
  const refs = await startReferences({ mongodbUri, jwtSecret, cpu: where.server });
  const ctx: BenchContext = {
    mongodbUri,
    jwtSecret,
    app,
    admin: mintCallers(jwtSecret, 1, 'admin')[0],
    db: dbHandle.db,
    placement: where,
    refs,
    runSec: Number(values['run-sec']),
    pairs: Number(values.pairs),
    connections: Number(values.connections),
    log,
  };
  const results: Row[] = [];
  const run = async (label: string, step: () => Promise<Row | Row[]>) => {
    const t = Date.now();
    log(`-- ${label}`);
    const out = await step();
    for (const row of Array.isArray(out) ? out : [out]) {
      results.push(row);
      log(`   ${row.name}: ${row.figure}`);
    }
    log(`   (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  try {
    await run('references', () => rows.referenceRows(ctx));
    if (only.has('purchase')) {
      await run('purchase, 1,000 buyers', () => rows.purchaseRow(ctx, 1000));
      await run('purchase, 50 buyers', () => rows.purchaseRow(ctx, 50));
    }
    if (only.has('sold-out')) await run('sold-out', () => rows.soldOutRow(ctx));
    if (only.has('leaderboard')) await run('leaderboard', () => rows.leaderboardRows(ctx));
    if (only.has('push')) await run('push latency', () => rows.pushRow(ctx));
    if (only.has('fan-out')) await run('fan-out', () => rows.fanOutRow(ctx, fanOutCapacity()));
    if (only.has('rush')) await run('rush', () => rows.rushRow(ctx));
  } finally {
    await refs.stop();
    await dbHandle.close();
    await app.process.stop();
    await database?.process.stop();
  }
  const profile = values.profile ? await profilePurchasePath(where, log) : [];

  const took = ((Date.now() - started) / 1000).toFixed(0);
  const file = writeResults(results, where, { tookSec: Number(took), profile });
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  if (profile.length) process.stdout.write(`${profile.join('\n')}\n\n`);
  process.stdout.write(`took ${took} s; results: ${file}\n`);
}

/** The URI with `name` as its database (the path), keeping any query string. */
function withDbName(uri: string, name: string): string {
  const url = new URL(uri);
  url.pathname = `/${name}`;
  return url.toString();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
