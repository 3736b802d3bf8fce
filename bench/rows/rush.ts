import { performance } from 'node:perf_hooks';
import { ObjectId } from 'mongodb';
import type { BenchContext } from '../lib/context';
import { createCallers, createSale } from '@flash-sale/harness';
import { runLoad, type LoadResult } from '../lib/http-load';

/** Rush figures. */
export interface RushFigures {
  buyers: number;
  units: number;
  /** ms from the first request to the answer that took the last unit. */
  sellOutMs: number;
  /** ms from the first request to the last answer. */
  totalMs: number;
  load: LoadResult;
  /** 201 answers, units sold by the sale document, purchase documents, highest position. */
  answered201: number;
  sold: number;
  remaining: number;
  purchaseDocs: number;
  maxPosition: number;
  /** Refusals that were not SOLD_OUT, and any other status. */
  unexpected: number;
  exact: boolean;
}

/**
 * `buyers` distinct users, each sending one purchase, `connections` at a time, for a sale of `units` units with
 * the default limits (one per order, one per user). Exact means: 201 answers == units == sold, remaining 0,
 * one purchase document per unit with positions 1..units, and every other answer a 409 SOLD_OUT.
 */
export async function measureRush(
  ctx: BenchContext,
  buyers: number,
  units: number,
  connections: number,
): Promise<RushFigures> {
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units });
  const tokens = (await createCallers(ctx.db, ctx.jwtSecret, buyers)).map((c) => `Bearer ${c.token}`);
  let soldOutAt = NaN;
  let unexpected = 0;
  const started = performance.now();
  const load = await runLoad({
    url: ctx.app.url,
    connections,
    amount: buyers,
    path: () => `/api/sales/${sale.id}/purchases`,
    body: JSON.stringify({ quantity: 1 }),
    headers: (i) => ({ authorization: tokens[i] }),
    onResponse: (status, body) => {
      if (status === 201) {
        if ((JSON.parse(body) as { remaining: number }).remaining === 0) soldOutAt = performance.now();
      } else if (
        status !== 409 ||
        (JSON.parse(body) as { error: { code: string } }).error.code !== 'SOLD_OUT'
      ) {
        unexpected += 1;
      }
    },
  });
  const totalMs = performance.now() - started;

  const _id = new ObjectId(sale.id);
  const deadline = Date.now() + 10_000;
  let doc = await ctx.db.collection('sales').findOne({ _id });
  while (doc && Object.keys(doc.pending ?? {}).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    doc = await ctx.db.collection('sales').findOne({ _id });
  }
  if (!doc) throw new Error('rush: the sale is gone');
  const purchases = ctx.db.collection('purchases');
  const purchaseDocs = await purchases.countDocuments({ saleId: _id, round: doc.round });
  const top = await purchases.find({ saleId: _id, round: doc.round }).sort({ position: -1 }).limit(1).next();
  const answered201 = load.statuses['201'] ?? 0;
  const maxPosition = (top?.position as number | undefined) ?? 0;
  unexpected += load.errors + load.timeouts;
  return {
    buyers,
    units,
    sellOutMs: soldOutAt - started,
    totalMs,
    load,
    answered201,
    sold: doc.sold,
    remaining: doc.remaining,
    purchaseDocs,
    maxPosition,
    unexpected,
    exact:
      answered201 === units &&
      doc.sold === units &&
      doc.remaining === 0 &&
      purchaseDocs === units &&
      maxPosition === units &&
      unexpected === 0 &&
      load.requests === buyers,
  };
}
