import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext, Placement } from './lib/context';
import { ROOT } from '@flash-sale/harness';
import type { Comparison } from './lib/compare';
import { frameParts, requestParts } from './lib/request-parts';
import { startStack } from './lib/stack';
import { measureRepeatedPages } from './rows/leaderboard';
import { measurePush } from './rows/live';
import { measurePurchases, measureSoldOut } from './rows/purchase';

/** The main thread's profile in a --cpu-prof directory (tsx's loader thread writes a second, smaller one). */
function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** A path to profile: the load that drives it and how its samples are charged to parts. */
interface ProfiledPath {
  title: string;
  /** What the CPU is counted per: a request, or a Socket.IO frame pushed. */
  unit: 'request' | 'frame';
  /** A script only this path's requests run: samples count from the first one (set-up requests are left out). */
  marker: string;
  /** Charges a profile's samples to parts (default: the parts of the request path). */
  parts?: (file: string, marker: string) => ReturnType<typeof requestParts>;
  /** Runs the load; resolves to the server's CPU per unit in µs, measured under the profiler. */
  run(ctx: BenchContext): Promise<number>;
}

const perRequest = async (comparison: Promise<Comparison>) =>
  (await comparison).cpu.subject.server?.usPerRequest ?? 0;

const PATHS: ProfiledPath[] = [
  {
    title: 'sold-out refusal (409 from memory)',
    unit: 'request',
    marker: 'server/purchases/purchases.routes',
    run: (ctx) => perRequest(measureSoldOut(ctx).then((m) => m.comparison)),
  },
  {
    title: 'purchase, 50 buyers',
    unit: 'request',
    marker: 'server/purchases/purchases.routes',
    run: (ctx) => perRequest(measurePurchases(ctx, 50).then((m) => m.comparison)),
  },
  {
    title: 'purchase, 1,000 buyers',
    unit: 'request',
    marker: 'server/purchases/purchases.routes',
    run: (ctx) => perRequest(measurePurchases(ctx, 1000).then((m) => m.comparison)),
  },
  {
    title: 'leaderboard, repeated deep page',
    unit: 'request',
    marker: 'server/leaderboard/leaderboard.routes',
    run: (ctx) => perRequest(measureRepeatedPages(ctx)),
  },
  {
    // From the first broadcast (`io.to(room).emit`) to the last: the pushes of the push-latency row.
    title: 'push to 1,000 sockets',
    unit: 'frame',
    marker: 'socket.io/dist/broadcast-operator',
    parts: frameParts,
    run: async (ctx) => (await measurePush(ctx)).serverUsPerFrame,
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
      profiledUs = await p.run(stack.ctx);
    } finally {
      await stack.stop();
    }
    const file = mainProfile(dir);
    if (!file) continue;
    const { busyUs, parts } = (p.parts ?? requestParts)(file, p.marker);
    const perUnit = cpuPerRequest[p.title] ?? profiledUs;
    const scale = cpuPerRequest[p.title] ? 'unprofiled' : 'profiled';
    const digits = p.unit === 'frame' ? 1 : 0;
    lines.push(`${p.title}: server CPU ${perUnit.toFixed(digits)} µs/${p.unit} (${scale}), by part:`);
    for (const [part, us] of [...parts.entries()].sort((a, b) => b[1] - a[1])) {
      const share = us / busyUs;
      lines.push(
        `  ${(share * perUnit).toFixed(digits).padStart(6)} µs  ${(share * 100).toFixed(1).padStart(5)}%  ${part}`,
      );
    }
  }
  return lines;
}
