import { createSecretKey } from 'node:crypto';
import { CursorCodec } from '../../server/leaderboard/cursor';
import { compare, type Comparison, type LoadSpec } from '../lib/compare';
import type { BenchContext } from '../lib/context';
import { createSale, seedPurchases } from '../lib/fixtures';

/** Leaderboard figures. */
export interface LeaderboardFigures {
  /** Repeated deep pages of each round size against the baseline (served from the page cache). */
  repeated: { purchases: number; comparison: Comparison }[];
  /**
   * Deep pages never asked before (each an index range scan in the database): the round of 100,000 purchases
   * (subject) against the round of 10,000 (reference). Page cost ratio = 1 / comparison.ratio.
   */
  fresh: Comparison;
}

/** Page size of the repeated pages (the default). */
const LIMIT = 50;
/** Distinct deep pages the repeated load cycles through. */
const REPEATED_PAGES = 20;
const SIZES = [10_000, 100_000] as const;

/** A round of `count` purchases and request makers for its deep pages. */
async function seededRound(ctx: BenchContext, codec: CursorCodec, count: number) {
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: count });
  await seedPurchases(ctx.db, sale.id, sale.round, count);
  const base = `/api/sales/${sale.id}/leaderboard?limit=`;
  const pathAt = (position: number, limit: number) =>
    `${base}${limit}&cursor=${codec.encode(sale.id, { round: sale.round, position })}`;
  const deep = Math.floor(count / 2);
  const repeated = Array.from({ length: REPEATED_PAGES }, (_, i) => pathAt(deep + i * LIMIT, LIMIT));
  // Never-asked pages: start past every repeated page; once the span is used up, the same starts with a smaller
  // limit (the page cache keys on both), so request i always asks for a page no one asked before.
  const from = deep + REPEATED_PAGES * LIMIT + 1;
  const span = Math.floor(count / 2) - REPEATED_PAGES * LIMIT - 2 * LIMIT;
  const fresh = (i: number) => pathAt(from + (i % span), LIMIT - 1 - Math.floor(i / span));
  return { repeated, fresh, span };
}

/**
 * Deep leaderboard pages of rounds with 10,000 and 100,000 purchases (positions from the middle of the round on):
 * pages asked again and again (the crowd's case) against the baseline, then pages never asked before at 100k
 * against the same at 10k. Cursors are made with the server's own codec (its key derives from JWT_SECRET), so no
 * walk from page one is needed to get deep.
 */
export async function measureLeaderboard(ctx: BenchContext): Promise<LeaderboardFigures> {
  const codec = new CursorCodec(createSecretKey(Buffer.from(ctx.jwtSecret, 'utf8')));
  const rounds: ({ count: number } & Awaited<ReturnType<typeof seededRound>>)[] = [];
  for (const count of SIZES) rounds.push({ count, ...(await seededRound(ctx, codec, count)) });

  const repeated = [];
  for (const round of rounds) {
    const comparison = await compare(ctx, ctx.refs.baseline, {
      url: ctx.app.url,
      processes: ctx.serverProcesses,
      method: 'GET',
      path: (i) => round.repeated[i % round.repeated.length],
    });
    repeated.push({ purchases: round.count, comparison });
  }
  // Each side's own counter runs across its warm-up and all its runs, so no page is asked twice.
  const freshLoad = (round: (typeof rounds)[number]): LoadSpec => {
    let next = 0;
    return {
      url: ctx.app.url,
      processes: ctx.serverProcesses,
      method: 'GET',
      path: () => round.fresh(next++),
    };
  };
  const fresh = await compare(ctx, freshLoad(rounds[0]), freshLoad(rounds[1]));
  return { repeated, fresh };
}
