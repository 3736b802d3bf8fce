import { Types, type Connection, type mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { isDuplicateKey } from '../db/duplicate-key';
import type { PendingPurchase, Sale } from '../sales/sale.model';
import { salesCollection } from '../sales/sale-directory';
import type { Purchase } from './purchase.model';
import { purchasesCollection } from './purchases.collection';

/** What the reconciler needs. */
export interface ReconcileDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Told after purchases of a sale were (re)written, so caches of its leaderboard can drop stale pages. */
  onPurchasesWritten?: (saleHex: string) => void;
}

/** Entries younger than this belong to purchases still on their way; their own request writes them. */
export const DEFAULT_MIN_AGE_MS = 2000;
/** Sales looked at per run; the rest wait for the next run. */
const SALES_PER_RUN = 100;

type OutboxSale = Pick<Sale, '_id' | 'pending' | 'productId' | 'price' | 'currency'>;

/**
 * Writes the purchase document of every outbox entry older than `minAgeMs`, then removes the entries.
 * The sale document is the ledger; an entry without its purchase means a process died between the sale update and
 * the insert. Each purchase is upserted by its id with `$setOnInsert`, so this is idempotent and safe to run on
 * every instance at once. The position comes from the round's purchase sequence written by the same atomic
 * update that took the stock. Returns the number of purchase documents it had to write.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: { minAgeMs?: number; saleId?: Types.ObjectId; only?: (entry: PendingPurchase) => boolean } = {},
): Promise<number> {
  const sales = salesCollection(deps.connection);
  const purchases = purchasesCollection(deps.connection);
  const cutoff = deps.clock.now().getTime() - (options.minAgeMs ?? DEFAULT_MIN_AGE_MS);
  const filter: mongo.Filter<Sale> = { pending: { $exists: true, $ne: {} } };
  if (options.saleId) filter._id = options.saleId;
  const candidates = (await sales
    .find(filter, { projection: { pending: 1, productId: 1, price: 1, currency: 1 } })
    .limit(SALES_PER_RUN)
    .toArray()) as OutboxSale[];

  let restored = 0;
  for (const sale of candidates) {
    const due = Object.entries(sale.pending ?? {}).filter(
      ([, entry]) => new Date(entry.at).getTime() <= cutoff && (options.only?.(entry) ?? true),
    );
    if (due.length === 0) continue;
    const { done, inserted } = await restore(sales, purchases, sale, due, deps.logger);
    if (done.length === 0) continue;
    await sales.updateOne(
      { _id: sale._id },
      { $unset: Object.fromEntries(done.map((id) => [`pending.${id}`, ''])) },
    );
    if (inserted > 0) {
      deps.onPurchasesWritten?.(String(sale._id));
      deps.logger.warn('purchases restored from the outbox', {
        saleId: String(sale._id),
        purchases: inserted,
      });
    }
    restored += inserted;
  }
  return restored;
}

/** Upserts the purchases of `due` entries: the ids whose purchase document now exists, and how many it wrote. */
async function restore(
  sales: mongo.Collection<Sale>,
  purchases: mongo.Collection<Purchase>,
  sale: OutboxSale,
  due: [string, PendingPurchase][],
  logger: Logger,
): Promise<{ done: string[]; inserted: number }> {
  const rounds = [...new Set(due.map(([, entry]) => entry.round))];
  const withSeq = await sales.findOne(
    { _id: sale._id },
    { projection: Object.fromEntries(rounds.map((r) => [`seq.${r}`, 1])) },
  );
  const positions = new Map<string, number>();
  for (const r of rounds) {
    (withSeq?.seq?.[String(r)] ?? []).forEach((id, index) => positions.set(`${r}:${String(id)}`, index + 1));
  }
  const done: string[] = [];
  let inserted = 0;
  for (const [id, entry] of due) {
    const position = positions.get(`${entry.round}:${id}`);
    if (position === undefined) {
      logger.error('outbox entry without a sequence position', { saleId: String(sale._id), purchaseId: id });
      continue;
    }
    const purchase: Omit<Purchase, '_id'> = {
      saleId: sale._id,
      round: entry.round,
      position,
      productId: sale.productId,
      userId: entry.userId,
      userName: entry.userName,
      quantity: entry.quantity,
      price: sale.price,
      currency: sale.currency,
      promo: true,
      remainingAfter: null,
      purchasedAt: entry.at,
    };
    if (entry.key !== undefined) purchase.idempotencyKey = entry.key;
    try {
      const result = await purchases.updateOne(
        { _id: new Types.ObjectId(id) },
        { $setOnInsert: purchase },
        { upsert: true },
      );
      inserted += result.upsertedCount;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    done.push(id);
  }
  return { done, inserted };
}
