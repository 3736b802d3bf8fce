import { fmt, type BenchContext, type Row } from '../lib/context';
import type { LoadResult } from '../lib/http-load';
import { measureLeaderboard } from './leaderboard';
import { measureFanOut, measurePush } from './live';
import { measurePurchases, measureSoldOut } from './purchase';
import { measureBaseline, measureFloor } from './reference';
import { measureRush } from './rush';

/** Running state of one benchmark run: the references that later rows divide by. */
export interface Refs {
  baseline: LoadResult[];
  floor?: LoadResult;
}

const rps = (r: LoadResult) => `${fmt(r.rps)} req/s`;
const lat = (r: LoadResult) => `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`;
const ratio = (x: number) => `${x.toFixed(2)}×`;

/** The mean baseline rate measured so far (each row divides by the baseline of the same run). */
export function baselineRps(refs: Refs): number {
  return refs.baseline.reduce((sum, r) => sum + r.rps, 0) / refs.baseline.length;
}

/** Bare Express 5 JSON POST. */
export async function baselineRow(ctx: BenchContext, refs: Refs, label: string): Promise<Row> {
  const load = await measureBaseline(ctx);
  refs.baseline.push(load);
  return {
    name: `baseline: bare Express 5 JSON POST (${label})`,
    figure: `${rps(load)}, ${lat(load)}`,
    target: '',
    met: null,
    data: { load },
  };
}

/** JWT verify + findOneAndUpdate + insertOne. */
export async function floorRow(ctx: BenchContext, refs: Refs): Promise<Row> {
  const load = await measureFloor(ctx);
  refs.floor = load;
  return {
    name: 'floor: JWT verify + findOneAndUpdate + insertOne',
    figure: `${rps(load)} = ${ratio(load.rps / baselineRps(refs))} baseline, ${lat(load)}`,
    target: '',
    met: null,
    data: { load },
  };
}

/** The purchase path against the floor (goal ≥ 0.8×) and the count check. */
export async function purchaseRow(ctx: BenchContext, refs: Refs, buyers: number): Promise<Row> {
  const { load, counts } = await measurePurchases(ctx, buyers);
  const toFloor = refs.floor ? load.rps / refs.floor.rps : NaN;
  const toBase = load.rps / baselineRps(refs);
  return {
    name: `purchase path (${fmt(buyers)} buyers, sale never sells out)`,
    figure: `${rps(load)} = ${ratio(toFloor)} floor = ${ratio(toBase)} baseline, ${lat(load)}; count errors ${counts.errors}`,
    target: '≥ 0.8× floor, 0 count errors',
    met: toFloor >= 0.8 && counts.errors === 0,
    data: { load, counts, toFloor, toBaseline: toBase },
  };
}

/** Purchases on a sold-out round. */
export async function soldOutRow(ctx: BenchContext, refs: Refs): Promise<Row> {
  const { load, unchanged } = await measureSoldOut(ctx);
  const toBase = load.rps / baselineRps(refs);
  const all409 = (load.statuses['409'] ?? 0) === load.requests && load.errors === 0;
  return {
    name: 'sold-out path (409 SOLD_OUT from memory)',
    figure: `${rps(load)} = ${ratio(toBase)} baseline, ${lat(load)}; all 409: ${all409}, sale unchanged: ${unchanged}`,
    target: '≥ 0.8× baseline',
    met: toBase >= 0.8 && all409 && unchanged,
    data: { load, unchanged, toBaseline: toBase },
  };
}

/** Deep leaderboard pages at 10k and 100k purchases: two rows. */
export async function leaderboardRows(ctx: BenchContext, refs: Refs): Promise<Row[]> {
  const small = await measureLeaderboard(ctx, 10_000);
  const large = await measureLeaderboard(ctx, 100_000);
  const rows: Row[] = [small, large].map((f) => {
    const toBase = f.repeated.rps / baselineRps(refs);
    return {
      name: `leaderboard, deep pages, ${fmt(f.purchases)} purchases`,
      figure: `repeated pages ${rps(f.repeated)} = ${ratio(toBase)} baseline; never-asked pages ${rps(f.fresh)}, ${lat(f.fresh)}`,
      target: '≥ 0.8× baseline',
      met: toBase >= 0.8 && (f.repeated.statuses['200'] ?? 0) === f.repeated.requests,
      data: { ...f, toBaseline: toBase },
    };
  });
  // Page cost = time per page under the same load = 1 / rate of never-asked pages.
  const costRatio = small.fresh.rps / large.fresh.rps;
  rows.push({
    name: 'leaderboard page cost, 100k / 10k purchases',
    figure: `${ratio(costRatio)} (never-asked pages; p50 ${large.fresh.latencyMs.p50} vs ${small.fresh.latencyMs.p50} ms)`,
    target: '≤ 1.5',
    met: costRatio <= 1.5,
    data: { costRatio },
  });
  return rows;
}

/** Push latency with 1,000 sockets. */
export async function pushRow(ctx: BenchContext): Promise<Row> {
  const f = await measurePush(ctx);
  return {
    name: `push latency, ${fmt(f.sockets)} sockets`,
    figure: `p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms (${fmt(f.samples)} samples, ${f.missed} missed)`,
    target: 'p99 ≤ 50 ms',
    met: f.p99Ms <= 50 && f.missed === 0 && f.sockets === 1000,
    data: { ...f },
  };
}

/** Fan-out to as many sockets as the machine holds, up to `count`. */
export async function fanOutRow(ctx: BenchContext, count: number): Promise<Row> {
  const f = await measureFanOut(ctx, count);
  return {
    name: `fan-out, ${fmt(f.held)} of ${fmt(f.asked)} sockets held, one process`,
    figure: `sold-out seen by all: p50 ${f.p50Ms.toFixed(0)} ms, p99 ${f.p99Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms; final state on ${fmt(f.converged)}/${fmt(f.held)}`,
    target: 'all ≤ 1 s after sell-out',
    met: f.held > 0 && f.withinOneSecond === f.held && f.converged === f.held,
    data: { ...f },
  };
}

/** 5,000 buyers for 200 units. */
export async function rushRow(ctx: BenchContext): Promise<Row> {
  const f = await measureRush(ctx, 5000, 200, 1000);
  return {
    name: 'rush: 5,000 buyers, 200 units, 1,000 at a time',
    figure: `sold out in ${f.sellOutMs.toFixed(0)} ms (all answered in ${f.totalMs.toFixed(0)} ms), ${lat(f.load)}; 201×${f.answered201}, sold ${f.sold}, docs ${f.purchaseDocs}, other answers ${f.unexpected}`,
    target: 'exact count',
    met: f.exact,
    data: { ...f },
  };
}
