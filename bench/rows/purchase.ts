import { ObjectId } from 'mongodb';
import type { BenchContext } from '../lib/context';
import { createCallers, createSale } from '../lib/fixtures';
import { compare, type Comparison } from '../lib/compare';
import type { LoadResult } from '../lib/http-load';
import { BODY, CALLERS, rotatingAuth } from './reference';

/** The ledger and its projection after a load, read with the driver (not through the API under test). */
export interface CountCheck {
  units: number;
  sold: number;
  remaining: number;
  /** Units sold during the measured run, by the sale document. */
  soldDuringRun: number;
  /** 201 answers of the measured run. */
  answered201: number;
  /** Answers of the measured run that were not 201, plus connection errors and timeouts. */
  otherAnswers: number;
  purchaseDocs: number;
  maxPosition: number;
  outboxLeft: number;
  /** Every way the numbers disagree; 0 is the only passing value. */
  errors: number;
}

/** Most units a round may hold (the API's MAX_UNITS): a sale this size does not sell out in a few seconds. */
const HUGE = 1_000_000;
/** How long the outbox drain may take to catch up after a load. */
const SETTLE_MS = 10_000;

/** The sale document once its outbox is empty (or after SETTLE_MS). */
async function settledSale(ctx: BenchContext, saleId: string) {
  const _id = new ObjectId(saleId);
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const sale = await ctx.db.collection('sales').findOne({ _id });
    if (!sale) throw new Error(`sale ${saleId} is gone`);
    if (Object.keys(sale.pending ?? {}).length === 0 || Date.now() > deadline) return sale;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Counts disagreements after a measured run: sold + remaining != units, units sold during the run != its 201
 * answers, purchase documents != orders, positions not exactly 1..orders, outbox not drained, and any answer that
 * was not a 201.
 */
async function checkCounts(
  ctx: BenchContext,
  saleId: string,
  soldBefore: number,
  load: LoadResult,
): Promise<CountCheck> {
  const sale = await settledSale(ctx, saleId);
  const purchases = ctx.db.collection('purchases');
  const filter = { saleId: sale._id, round: sale.round };
  const purchaseDocs = await purchases.countDocuments(filter);
  const last = await purchases.find(filter).sort({ position: -1 }).limit(1).next();
  const maxPosition = (last?.position as number | undefined) ?? 0;
  const outboxLeft = Object.keys(sale.pending ?? {}).length;
  const answered201 = load.statuses['201'] ?? 0;
  const otherAnswers = load.requests - answered201 + load.errors + load.timeouts;
  const soldDuringRun = sale.sold - soldBefore;
  const errors =
    Math.abs(sale.sold + sale.remaining - sale.units) +
    Math.abs(soldDuringRun - answered201) +
    Math.abs(purchaseDocs - sale.orders) +
    Math.abs(maxPosition - sale.orders) +
    outboxLeft +
    otherAnswers;
  return {
    units: sale.units,
    sold: sale.sold,
    remaining: sale.remaining,
    soldDuringRun,
    answered201,
    otherAnswers,
    purchaseDocs,
    maxPosition,
    outboxLeft,
    errors,
  };
}

/**
 * Purchases by `buyers` users (rotating tokens) on a sale far too large to sell out, one unit each time, against
 * the floor; then the counts are checked against the 201 answers of the measured runs. The sale document keeps a
 * tally per buyer of the round, so the number of buyers is part of the workload.
 */
export async function measurePurchases(
  ctx: BenchContext,
  buyers: number,
): Promise<{ comparison: Comparison; counts: CountCheck }> {
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: HUGE, perUserLimit: HUGE });
  const callers = await createCallers(ctx.db, ctx.jwtSecret, buyers);
  let soldBefore = 0;
  const comparison = await compare(
    ctx,
    ctx.refs.floor,
    {
      url: ctx.app.url,
      processes: ctx.serverProcesses,
      path: () => `/api/sales/${sale.id}/purchases`,
      body: BODY,
      headers: rotatingAuth(callers),
    },
    async () => {
      soldBefore = (await settledSale(ctx, sale.id)).sold as number;
    },
  );
  return { comparison, counts: await checkCounts(ctx, sale.id, soldBefore, comparison.subject) };
}

/**
 * Purchases on a round that is sold out, against the baseline: the live cache answers 409 SOLD_OUT without a
 * database round trip. The sale must not change.
 */
export async function measureSoldOut(
  ctx: BenchContext,
): Promise<{ comparison: Comparison; unchanged: boolean }> {
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: 1 });
  const auth = rotatingAuth(await createCallers(ctx.db, ctx.jwtSecret, CALLERS));
  const first = await fetch(`${ctx.app.url}/api/sales/${sale.id}/purchases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(0) },
    body: BODY,
  });
  if (first.status !== 201) throw new Error(`sold-out setup: ${first.status} ${await first.text()}`);
  // Give the change stream a moment to tell the server's live cache (the fast path's source).
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await ctx.db.collection('sales').findOne({ _id: new ObjectId(sale.id) });
  const comparison = await compare(ctx, ctx.refs.baseline, {
    url: ctx.app.url,
    processes: ctx.serverProcesses,
    path: () => `/api/sales/${sale.id}/purchases`,
    body: BODY,
    headers: (i) => auth(i + 1),
  });
  const after = await ctx.db.collection('sales').findOne({ _id: new ObjectId(sale.id) });
  const unchanged = before?.version === after?.version && after?.sold === 1 && after?.remaining === 0;
  return { comparison, unchanged };
}
