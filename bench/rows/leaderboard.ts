import { createSecretKey } from 'node:crypto';
import { CursorCodec } from '../../server/leaderboard/cursor';
import { compare, type Comparison, type LoadSpec } from '../lib/compare';
import type { BenchContext } from '../lib/context';
import { api, createSale, seedPurchases } from '@flash-sale/harness';
import { MAX_UNITS } from '../../server/sales/sales.schemas';

/** Leaderboard figures. */
export interface LeaderboardFigures {
  /** Repeated deep pages of each sale size against the baseline (served from the page cache). */
  repeated: { purchases: number; rounds: number; comparison: Comparison }[];
  /**
   * Deep pages never asked before (each an index range scan in the database): the sale of 100,000 purchases
   * in ten rounds (subject) against the sale of 10,000 in one round (reference). Page cost ratio =
   * 1 / comparison.ratio.
   */
  fresh: Comparison;
}

/** Page size of the repeated pages (the default). */
const LIMIT = 50;
/** Distinct deep pages the repeated load cycles through. */
const REPEATED_PAGES = 20;
/** Purchases of one round: the most a round may hold (the contract's MAX_UNITS), every unit sold. */
const ROUND = MAX_UNITS;
/** Purchases of the two sales compared: one round, and ten rounds of one sale. */
const SIZES = [ROUND, 10 * ROUND] as const;
/** A round opened less than 1 s after the previous one is refused as a double click; waits are bounded. */
const OPEN_ATTEMPTS = 10;
const OPEN_RETRY_MS = 300;

/** Opens the sale's next round through the API (the last one is sold out); returns its number. */
async function openNextRound(ctx: BenchContext, saleId: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const res = await api(ctx.app.url, 'POST', `/api/sales/${saleId}/rounds`, {
      token: ctx.admin.token,
      body: { startsAt: new Date(Date.now() - 1000).toISOString() },
    });
    if (res.status === 201) return res.body.sale.round as number;
    if (res.status !== 409 || attempt >= OPEN_ATTEMPTS) {
      throw new Error(`leaderboard: opening a round answered ${res.status} ${JSON.stringify(res.body)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_MS));
  }
}

/**
 * A sale holding `count` purchases, `ROUND` per round (a round holds at most 10,000 units, so 100,000 purchases
 * are ten rounds of one sale), and request makers for deep pages. Each round's purchases are written straight
 * into `purchases` (the leaderboard only reads them, and 100,000 purchases through the API would take minutes),
 * then the next round is opened through the API, as an admin would once a round sold out. Repeated pages are in
 * the current round (the crowd's case: the live leaderboard); never-asked pages cycle through every round, so
 * they range over the whole index of the sale's purchases.
 */
async function seededSale(ctx: BenchContext, codec: CursorCodec, count: number) {
  const rounds = count / ROUND;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`leaderboard: ${count} is not whole rounds`);
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: ROUND });
  let round = sale.round;
  const all = [round];
  await seedPurchases(ctx.db, sale.id, round, ROUND);
  while (all.length < rounds) {
    round = await openNextRound(ctx, sale.id);
    all.push(round);
    await seedPurchases(ctx.db, sale.id, round, ROUND);
  }
  const base = `/api/sales/${sale.id}/leaderboard?limit=`;
  const pathAt = (r: number, position: number, limit: number) =>
    `${base}${limit}&cursor=${codec.encode(sale.id, { round: r, position })}`;
  const deep = Math.floor(ROUND / 2);
  const repeated = Array.from({ length: REPEATED_PAGES }, (_, i) => pathAt(round, deep + i * LIMIT, LIMIT));
  // Never-asked pages: start past every repeated page; request i asks round i % rounds, and once the span of a
  // round is used up, the same starts with a smaller limit (the page cache keys on both), so request i always
  // asks for a page no one asked before.
  const from = deep + REPEATED_PAGES * LIMIT + 1;
  const span = Math.floor(ROUND / 2) - REPEATED_PAGES * LIMIT - 2 * LIMIT;
  const fresh = (i: number) => {
    const n = Math.floor(i / rounds);
    return pathAt(all[i % rounds], from + (n % span), LIMIT - 1 - Math.floor(n / span));
  };
  return { repeated, fresh, span, rounds };
}

/** The same deep pages asked again and again (served from the page cache) against the baseline. */
function repeatedPages(ctx: BenchContext, pages: string[]): Promise<Comparison> {
  return compare(ctx, ctx.refs.baseline, {
    url: ctx.app.url,
    processes: ctx.serverProcesses,
    method: 'GET',
    path: (i) => pages[i % pages.length],
  });
}

/** Repeated deep pages of one sale of 10,000 purchases (one round) against the baseline (the profile's path). */
export async function measureRepeatedPages(ctx: BenchContext): Promise<Comparison> {
  const codec = new CursorCodec(createSecretKey(Buffer.from(ctx.jwtSecret, 'utf8')));
  return repeatedPages(ctx, (await seededSale(ctx, codec, ROUND)).repeated);
}

/**
 * Deep leaderboard pages of sales with 10,000 purchases (one round) and 100,000 purchases (ten rounds of
 * 10,000; positions from the middle of a round on): pages asked again and again (the crowd's case) against the
 * baseline, then pages never asked before at 100k against the same at 10k. Cursors are made with the server's own codec (its key derives from JWT_SECRET), so no
 * walk from page one is needed to get deep.
 */
export async function measureLeaderboard(ctx: BenchContext): Promise<LeaderboardFigures> {
  const codec = new CursorCodec(createSecretKey(Buffer.from(ctx.jwtSecret, 'utf8')));
  const rounds: ({ count: number } & Awaited<ReturnType<typeof seededSale>>)[] = [];
  for (const count of SIZES) rounds.push({ count, ...(await seededSale(ctx, codec, count)) });

  const repeated = [];
  for (const round of rounds) {
    const comparison = await repeatedPages(ctx, round.repeated);
    repeated.push({ purchases: round.count, rounds: round.rounds, comparison });
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
