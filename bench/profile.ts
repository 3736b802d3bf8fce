import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext, Placement } from './lib/context';
import { ROOT } from '@flash-sale/harness';
import type { Comparison } from './lib/compare';
import { requestParts } from './lib/request-parts';
import { startStack } from './lib/stack';
import { measureRepeatedPages } from './rows/leaderboard';
import { measurePurchases, measureSoldOut } from './rows/purchase';

/** The main thread's profile in a --cpu-prof directory (tsx's loader thread writes a second, smaller one). */
function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** A request path to profile: the load that drives it and the measured server CPU per request (unprofiled). */
interface ProfiledPath {
  title: string;
  /** A script only this path's requests run: samples count from the first one (set-up requests are left out). */
  marker: string;
  run(ctx: BenchContext): Promise<Comparison>;
}

const PATHS: ProfiledPath[] = [
  {
    title: 'sold-out refusal (409 from memory)',
    marker: 'server/purchases/purchases.routes',
    run: async (ctx) => (await measureSoldOut(ctx)).comparison,
  },
  {
    title: 'purchase, 50 buyers',
    marker: 'server/purchases/purchases.routes',
    run: async (ctx) => (await measurePurchases(ctx, 50)).comparison,
  },
  {
    title: 'purchase, 1,000 buyers',
    marker: 'server/purchases/purchases.routes',
    run: async (ctx) => (await measurePurchases(ctx, 1000)).comparison,
  },
  {
    title: 'leaderboard, repeated deep page',
    marker: 'server/leaderboard/leaderboard.routes',
    run: measureRepeatedPages,
  },
];

/**
 * Where each request's server CPU goes, part by part (helmet, access log, JWT, account states, rate limits,
 * validation, the ledger, the driver, Express, Node's HTTP, GC): each path runs once more on a fresh stack with
 * `node --cpu-prof` on the server, every sample after the first request is charged to the innermost part of its
 * stack (bench/lib/request-parts.ts), and each part's share of the profiled CPU is scaled to the server CPU per
 * request measured in the same run without the profiler (`cpuPerRequest`, by path title; the profiler's own
 * overhead would inflate absolute figures). Profiles are kept in bench/results/profiles/<time>/ for DevTools.
 */
export async function profileRequestParts(
  where: Placement,
  log: (line: string) => void,
  cpuPerRequest: Record<string, number | undefined>,
): Promise<string[]> {
  const root = path.join(
    ROOT,
    'bench',
    'results',
    'profiles',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  const lines: string[] = [];
  for (const [i, p] of PATHS.entries()) {
    const dir = path.join(root, `path-${i}`);
    mkdirSync(dir, { recursive: true });
    log(`-- profiling: ${p.title} (${path.relative(ROOT, dir)})`);
    const stack = await startStack({
      placement: where,
      log,
      dbName: 'bench_profile',
      runSec: 2,
      pairs: 1,
      connections: 50,
      nodeArgs: { server: ['--cpu-prof', '--cpu-prof-dir', dir] },
    });
    let profiledUs: number;
    try {
      profiledUs = (await p.run(stack.ctx)).cpu.subject.server?.usPerRequest ?? 0;
    } finally {
      await stack.stop();
    }
    const file = mainProfile(dir);
    if (!file) continue;
    const { busyUs, parts } = requestParts(file, p.marker);
    const perRequest = cpuPerRequest[p.title] ?? profiledUs;
    const scale = cpuPerRequest[p.title] ? 'unprofiled' : 'profiled';
    lines.push(`${p.title}: server CPU ${perRequest.toFixed(0)} µs/request (${scale}), by part:`);
    for (const [part, us] of [...parts.entries()].sort((a, b) => b[1] - a[1])) {
      const share = us / busyUs;
      lines.push(
        `  ${(share * perRequest).toFixed(0).padStart(6)} µs  ${(share * 100).toFixed(1).padStart(5)}%  ${part}`,
      );
    }
  }
  return lines;
}
