import { ObjectId } from 'mongodb';
import type { BenchContext } from '../lib/context';
import { createCallers, createSale } from '@flash-sale/harness';
import { compare, type Comparison } from '../lib/compare';
import type { LoadResult } from '../lib/http-load';
import { SalePool } from '../lib/sale-pool';
import { MAX_UNITS } from '../../server/sales/sales.schemas';
import { BODY, CALLERS, rotatingAuth } from './reference';

/** The ledger and its projection after a load, read with the driver (not through the API under test). */
export interface CountCheck {
  /** Sales the measured runs used (warm-up included), and their units, sold and remaining added up. */
  sales: number;
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
  /** The highest position of any of the sales (each is checked against its own `orders`). */
  maxPosition: number;
  outboxLeft: number;
  /** Every way the numbers disagree; 0 is the only passing value. */
  errors: number;
}

/** Units of each sale of the purchase row: the most a round may hold (the contract's MAX_UNITS). */
const SALE_UNITS = MAX_UNITS;
/**
 * Requests sent to one sale before the load moves on to the next: 90% of its units, so no sale sells out (the
 * row measures purchases that succeed) and the units a request buys never leave the contract's bound.
 */
const SALE_QUOTA = Math.floor(SALE_UNITS * 0.9);
/** How long the outbox drain may take to catch up after a load. */
const SETTLE_MS = 10_000;

/** The sale documents once their outboxes are empty (or after SETTLE_MS). */
async function settledSales(ctx: BenchContext, saleIds: string[]) {
  const ids = saleIds.map((id) => new ObjectId(id));
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const sales = await ctx.db
      .collection('sales')
      .find({ _id: { $in: ids } })
      .toArray();
    if (sales.length !== ids.length) throw new Error(`sales missing: ${ids.length - sales.length}`);
    const pending = sales.some((sale) => Object.keys(sale.pending ?? {}).length > 0);
    if (!pending || Date.now() > deadline) return sales;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Units sold so far over the given sales. */
async function soldOf(ctx: BenchContext, saleIds: string[]): Promise<number> {
  return (await settledSales(ctx, saleIds)).reduce((n, sale) => n + (sale.sold as number), 0);
}

/**
 * Counts disagreements after a measured run over every sale it used: sold + remaining != units, units sold
 * during the run != its 201 answers, purchase documents != orders, positions not exactly 1..orders, outbox not
 * drained, requests past the pool's quotas, and any answer that was not a 201.
 */
async function checkCounts(
  ctx: BenchContext,
  pool: SalePool,
  soldBefore: number,
  load: LoadResult,
): Promise<CountCheck> {
  const sales = await settledSales(ctx, pool.used);
  const purchases = ctx.db.collection('purchases');
  const totals = { units: 0, sold: 0, remaining: 0, purchaseDocs: 0, outboxLeft: 0, maxPosition: 0 };
  let errors = 0;
  for (const sale of sales) {
    const filter = { saleId: sale._id, round: sale.round };
    const docs = await purchases.countDocuments(filter);
    const last = await purchases.find(filter).sort({ position: -1 }).limit(1).next();
    const maxPosition = (last?.position as number | undefined) ?? 0;
    const outboxLeft = Object.keys(sale.pending ?? {}).length;
    errors +=
      Math.abs(sale.sold + sale.remaining - sale.units) +
      Math.abs(docs - sale.orders) +
      Math.abs(maxPosition - sale.orders) +
      outboxLeft;
    totals.units += sale.units;
    totals.sold += sale.sold;
    totals.remaining += sale.remaining;
    totals.purchaseDocs += docs;
    totals.outboxLeft += outboxLeft;
    totals.maxPosition = Math.max(totals.maxPosition, maxPosition);
  }
  const answered201 = load.statuses['201'] ?? 0;
  const otherAnswers = load.requests - answered201 + load.errors + load.timeouts;
  const soldDuringRun = totals.sold - soldBefore;
  errors += Math.abs(soldDuringRun - answered201) + otherAnswers + pool.overflow + (pool.failure ? 1 : 0);
  return {
    ...totals,
    sales: sales.length,
    soldDuringRun,
    answered201,
    otherAnswers,
    errors,
  };
}

/**
 * Purchases by `buyers` users (rotating tokens), one unit each time, against the floor; then the counts are
 * checked against the 201 answers of the measured runs. A round holds at most 10,000 units and the load buys
 * more than that, so requests go to a pool of 10,000-unit sales, each taking 9,000 requests before the next
 * one takes over (created ahead of need): no sale sells out. Each sale keeps a tally per buyer of the round, so
 * the number of buyers is part of the workload; every sale of the pool sees the same buyers.
 */
export async function measurePurchases(
  ctx: BenchContext,
  buyers: number,
): Promise<{ comparison: Comparison; counts: CountCheck }> {
  const pool = await SalePool.open(SALE_QUOTA, async () => {
    const sale = await createSale(ctx.app.url, ctx.admin.token, {
      units: SALE_UNITS,
      perUserLimit: SALE_UNITS,
    });
    return sale.id;
  });
  const callers = await createCallers(ctx.db, ctx.jwtSecret, buyers);
  let soldBefore = 0;
  const comparison = await compare(
    ctx,
    ctx.refs.floor,
    {
      url: ctx.app.url,
      processes: ctx.serverProcesses,
      path: () => `/api/sales/${pool.next()}/purchases`,
      body: BODY,
      headers: rotatingAuth(callers),
    },
    async () => {
      soldBefore = await soldOf(ctx, pool.used);
    },
  );
  if (pool.failure) ctx.log(`purchase: creating a sale failed: ${String(pool.failure)}`);
  return { comparison, counts: await checkCounts(ctx, pool, soldBefore, comparison.subject) };
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
