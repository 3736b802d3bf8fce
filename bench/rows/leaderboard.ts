import { createSecretKey } from 'node:crypto';
import { CursorCodec } from '../../server/leaderboard/cursor';
import type { BenchContext } from '../lib/context';
import { createSale, seedPurchases } from '../lib/fixtures';
import { runLoad, type LoadResult } from '../lib/http-load';
import { warmAndMeasure } from './reference';

/** Leaderboard figures of one round size. */
export interface LeaderboardFigures {
  purchases: number;
  /** Repeated deep pages (what a crowd paging the same board asks): served from the page cache. */
  repeated: LoadResult;
  /** Deep pages never asked before: each one is an index range scan in the database. */
  fresh: LoadResult;
}

/** Page size of every request. */
const LIMIT = 50;
/** Distinct deep pages the repeated load cycles through. */
const REPEATED_PAGES = 20;
/** Requests of the fresh-page load, each for a page no one asked before. */
const FRESH_PAGES = 1500;

/**
 * Measures deep leaderboard pages of a round with `count` purchases: first pages asked again and again (the
 * crowd's case), then pages never asked before (the cost of the query itself). Cursors are made with the server's
 * own codec (its key is derived from JWT_SECRET), so no walk from page one is needed to get deep.
 */
export async function measureLeaderboard(ctx: BenchContext, count: number): Promise<LeaderboardFigures> {
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: count });
  await seedPurchases(ctx.db, sale.id, sale.round, count);
  const codec = new CursorCodec(createSecretKey(Buffer.from(ctx.jwtSecret, 'utf8')));
  const base = `/api/sales/${sale.id}/leaderboard?limit=${LIMIT}&cursor=`;
  const deep = Math.floor(count / 2);
  const pathAt = (position: number) => base + codec.encode(sale.id, { round: sale.round, position });

  const repeatedPaths = Array.from({ length: REPEATED_PAGES }, (_, i) => pathAt(deep + i * LIMIT));
  const { measured: repeated } = await warmAndMeasure(ctx, {
    url: ctx.app.url,
    method: 'GET',
    path: (i) => repeatedPaths[i % repeatedPaths.length],
  });

  // Start past every page asked so far, so none of these is in the cache.
  const freshFrom = deep + REPEATED_PAGES * LIMIT + 1;
  const fresh = await runLoad({
    url: ctx.app.url,
    method: 'GET',
    connections: ctx.connections,
    amount: Math.min(FRESH_PAGES, count - freshFrom - LIMIT),
    path: (i) => pathAt(freshFrom + i),
  });
  return { purchases: count, repeated, fresh };
}
