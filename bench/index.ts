/**
 * `npm run bench [-- --profile] [-- --only purchase,rush]` (`--profile`: then where each request's CPU goes, by part): starts the embedded database (or uses MONGODB_URI)
 * and the server as child processes, measures every figure of the benchmark table as a ratio to references
 * measured in the same run, prints the table and writes bench/results/bench-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Comparison } from './lib/compare';
import type { BenchContext, Placement, Row } from './lib/context';
import { canPin, pinSelf } from '@flash-sale/harness';
import { formatCpu, formatTable, machine, writeResults } from './lib/report';
import { startStack } from './lib/stack';
import { profileRequestParts } from './profile';
import * as rows from './rows';
import { warmUp } from './rows/warm-up';

/** Every row, in run order; `--only` picks some (the references always run). */
const ROW_NAMES = [
  'purchase',
  'sold-out',
  'leaderboard',
  'push',
  'fan-out',
  'rush',
  'large-doc',
  'crowd',
] as const;
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

function options() {
  const { values } = parseArgs({
    options: {
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      'run-sec': { type: 'string', default: '1.5' },
      pairs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
    },
  });
  const only = new Set(values.only ? values.only.split(',') : ROW_NAMES);
  for (const name of only) {
    if (!(ROW_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown row ${name}; rows: ${ROW_NAMES.join(',')}`);
    }
  }
  return { ...values, only };
}

/** Runs the chosen rows in order; each logs its figures as soon as it has them. */
async function runRows(ctx: BenchContext, only: Set<string>): Promise<Row[]> {
  const results: Row[] = [];
  const run = async (label: string, step: () => Promise<Row | Row[]>) => {
    const t = Date.now();
    ctx.log(`-- ${label}`);
    const out = await step();
    for (const row of Array.isArray(out) ? out : [out]) {
      results.push(row);
      ctx.log(`   ${row.name}: ${row.figure}`);
    }
    ctx.log(`   (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  if (['purchase', 'sold-out', 'leaderboard', 'push', 'rush', 'crowd'].some((row) => only.has(row))) {
    const t = Date.now();
    ctx.log('-- warm-up of the server under test (not measured)');
    await warmUp(ctx);
    ctx.log(`   (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
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
  if (only.has('large-doc')) await run('large sale document', () => rows.largeDocRow(ctx));
  if (only.has('crowd')) await run('crowd: the 10,000th buyer vs the 300th', () => rows.crowdRow(ctx));
  return results;
}

/**
 * Server CPU per request (per frame for the push) of the rows the profile breaks down, by the profile's path
 * titles, if they ran.
 */
function serverCpuByPath(results: Row[]): Record<string, number | undefined> {
  const data = (prefix: string) =>
    results.find((r) => r.name.startsWith(prefix))?.data as
      { comparison?: Comparison; serverUsPerFrame?: number } | undefined;
  const cpu = (prefix: string) => data(prefix)?.comparison?.cpu.subject.server?.usPerRequest;
  return {
    'sold-out refusal (409 from memory)': cpu('sold-out path'),
    'purchase, 50 buyers': cpu('purchase path, 50 buyers'),
    'purchase, 1,000 buyers': cpu('purchase path, 1,000 buyers'),
    'leaderboard, repeated deep page': cpu('leaderboard, repeated deep pages, 10,000 purchases'),
    'push to 1,000 sockets': data('push latency')?.serverUsPerFrame,
  };
}

async function main(): Promise<void> {
  const opts = options();
  const where = placement(Boolean(process.env.MONGODB_URI));
  if (where.load !== undefined) pinSelf(where.load);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`machine: ${JSON.stringify(machine())}`);
  log(`placement (taskset CPUs): ${JSON.stringify(where)}`);
  const started = Date.now();
  const stack = await startStack({
    placement: where,
    log,
    dbName: 'bench',
    runSec: Number(opts['run-sec']),
    pairs: Number(opts.pairs),
    connections: Number(opts.connections),
  });
  let results: Row[];
  try {
    results = await runRows(stack.ctx, opts.only);
  } finally {
    await stack.stop();
  }
  const profile = opts.profile ? await profileRequestParts(where, log, serverCpuByPath(results)) : [];
  const took = Math.round((Date.now() - started) / 1000);
  const file = writeResults(results, where, { tookSec: took, profile });
  process.stdout.write(`\n${formatTable(results)}\n\n${formatCpu(results)}\n\n`);
  if (profile.length) process.stdout.write(`${profile.join('\n')}\n\n`);
  process.stdout.write(`took ${took} s; results: ${file}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
