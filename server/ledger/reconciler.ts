import { Types, type Connection, type mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { isDuplicateKey } from '../db/duplicate-key';
import type { Purchase } from '../purchases/purchase.model';
import { purchasesCollection } from '../purchases/purchases.collection';
import { salesCollection } from './collection';
import { pullIds } from './outbox-drain';
import type { PendingPurchase, Sale } from './sale.model';

/** What the reconciler needs. */
export interface ReconcileDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Told after purchases of a sale were restored, so caches of its leaderboard can drop stale pages. */
  onPurchasesWritten?: (saleHex: string) => void;
}

/** Which entries to look at. */
export interface ReconcileOptions {
  /** Entries younger than this belong to purchases still on their way (default 2 s). */
  minAgeMs?: number;
  saleId?: Types.ObjectId;
  only?: (entry: PendingPurchase) => boolean;
}

/** What a run did. */
export interface ReconcileResult {
  /** Purchase documents it had to write. */
  restored: number;
  /** Sales it could not settle this run (documents appeared while it planned): a later run takes them. */
  deferred: number;
}

/** Entries younger than this belong to purchases still on their way; their own request writes them. */
export const DEFAULT_MIN_AGE_MS = 2000;
/** Sales read per page; a run pages through every sale with an outbox. */
const SALES_PER_PAGE = 100;

type OutboxSale = Pick<Sale, '_id' | 'pending' | 'seq' | 'productId' | 'price' | 'currency'>;

/**
 * Writes the purchase document of every outbox entry older than `minAgeMs`, then removes the entries.
 * The sale document is the ledger; an entry without its purchase means a process died (or the insert failed)
 * between the sale update and the insert. Purchases are upserted by id with `$setOnInsert`, with the position
 * and time the purchase path would have written, so this is idempotent and safe on every instance at once, and
 * even on purchases still in flight.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const sales = salesCollection(deps.connection);
  const purchases = purchasesCollection(deps.connection);
  const cutoff = deps.clock.now().getTime() - (options.minAgeMs ?? DEFAULT_MIN_AGE_MS);
  const result: ReconcileResult = { restored: 0, deferred: 0 };
  let after: Types.ObjectId | null = null;
  for (;;) {
    const filter: mongo.Filter<Sale> = { 'seq.0': { $exists: true } };
    if (options.saleId) filter._id = options.saleId;
    else if (after) filter._id = { $gt: after };
    const page = (await sales
      .find(filter, { projection: { pending: 1, seq: 1, productId: 1, price: 1, currency: 1 } })
      .sort({ _id: 1 })
      .limit(SALES_PER_PAGE)
      .toArray()) as OutboxSale[];
    for (const sale of page) {
      const isDue = (entry: PendingPurchase) =>
        new Date(entry.at).getTime() <= cutoff && (options.only?.(entry) ?? true);
      if (!Object.values(sale.pending ?? {}).some(isDue)) continue;
      const settled = await settle(deps, sales, purchases, sale, isDue);
      if (settled === null) result.deferred += 1;
      else result.restored += settled;
    }
    if (options.saleId || page.length < SALES_PER_PAGE) return result;
    after = page[page.length - 1]._id;
  }
}

/** Restores and removes the due entries of one sale; null when it must wait for a later run. */
async function settle(
  deps: ReconcileDeps,
  sales: mongo.Collection<Sale>,
  purchases: mongo.Collection<Purchase>,
  sale: OutboxSale,
  isDue: (entry: PendingPurchase) => boolean,
): Promise<number | null> {
  const plan = await planRestore(purchases, sale, isDue, deps.logger);
  if (!plan) return null;
  let inserted = 0;
  for (const purchase of plan.restore) inserted += await upsert(purchases, purchase);
  const done = [...plan.restore.map((p) => p._id), ...plan.recorded];
  await sales.updateOne(
    { _id: sale._id },
    {
      $unset: Object.fromEntries(done.map((id) => [`pending.${id.toHexString()}`, ''])),
      $pull: pullIds(done),
    },
  );
  if (inserted > 0) {
    deps.onPurchasesWritten?.(String(sale._id));
    deps.logger.warn('purchases restored from the outbox', { saleId: String(sale._id), purchases: inserted });
  }
  return inserted;
}

/** Due entries to restore (with their positions and times) and due entries whose purchase already exists. */
interface RestorePlan {
  restore: Purchase[];
  recorded: Types.ObjectId[];
}

/**
 * Works out the position and time of every due entry without its purchase. In a round, the positions that no
 * purchase document holds are exactly those of the round's entries without a document (a document is written
 * before its entry goes), and `seq` lists the entries in commit order, which is position order. So the k-th
 * such entry of a round, in `seq` order, has the k-th missing position. Its time is what the commit returned:
 * `lastAt` after it, i.e. the latest of its own clock and the time of the purchase before it in the round.
 * Returns null when purchase documents of these entries appeared while it looked (requests still finishing).
 */
async function planRestore(
  purchases: mongo.Collection<Purchase>,
  sale: OutboxSale,
  isDue: (entry: PendingPurchase) => boolean,
  logger: Logger,
): Promise<RestorePlan | null> {
  const pending = sale.pending ?? {};
  const ids = Object.keys(pending).map((hex) => new Types.ObjectId(hex));
  const before = await existing(purchases, ids);

  const missingByRound = new Map<number, string[]>();
  const ordered = (sale.seq ?? []).map(String).filter((hex) => pending[hex] && !before.has(hex));
  for (const hex of ordered) {
    const round = pending[hex].round;
    missingByRound.set(round, [...(missingByRound.get(round) ?? []), hex]);
  }
  const placed = new Map<string, { position: number; at: Date }>();
  for (const [round, missing] of missingByRound) {
    if (!missing.some((hex) => isDue(pending[hex]))) continue;
    const gaps = await firstGaps(purchases, sale._id, round, missing.length);
    let previous: { position: number; at: Date } | null = null;
    for (const [index, hex] of missing.entries()) {
      const position = gaps[index];
      const prior: Date | null =
        previous && previous.position === position - 1
          ? previous.at
          : await timeAt(purchases, sale._id, round, position - 1);
      const own = new Date(pending[hex].at);
      const at: Date = prior && prior.getTime() > own.getTime() ? prior : own;
      previous = { position, at };
      placed.set(hex, previous);
    }
  }
  const after = await existing(purchases, ids);
  if (after.size !== before.size) return null;

  const plan: RestorePlan = { restore: [], recorded: [] };
  for (const [hex, entry] of Object.entries(pending)) {
    if (!isDue(entry)) continue;
    if (before.has(hex)) {
      plan.recorded.push(new Types.ObjectId(hex));
      continue;
    }
    const place = placed.get(hex);
    if (place === undefined) {
      logger.error('outbox entry missing from the commit order', {
        saleId: String(sale._id),
        purchaseId: hex,
      });
      continue;
    }
    plan.restore.push(toPurchase(sale, hex, entry, place.position, place.at));
  }
  return plan;
}

/** Which of these purchase ids have a document. */
async function existing(purchases: mongo.Collection<Purchase>, ids: Types.ObjectId[]): Promise<Set<string>> {
  const docs = await purchases.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  return new Set(docs.map((doc) => String(doc._id)));
}

/** The time of the purchase at `position` of a round (null for position 0, the round's start). */
async function timeAt(
  purchases: mongo.Collection<Purchase>,
  saleId: Types.ObjectId,
  round: number,
  position: number,
): Promise<Date | null> {
  if (position < 1) return null;
  const doc = await purchases.findOne({ saleId, round, position }, { projection: { purchasedAt: 1 } });
  return doc ? new Date(doc.purchasedAt) : null;
}

/** The `count` smallest positions of a round that no purchase document holds (an index-only walk). */
async function firstGaps(
  purchases: mongo.Collection<Purchase>,
  saleId: Types.ObjectId,
  round: number,
  count: number,
): Promise<number[]> {
  const gaps: number[] = [];
  let expected = 1;
  const cursor = purchases
    .find({ saleId, round }, { projection: { _id: 0, position: 1 } })
    .sort({ saleId: 1, round: 1, position: 1 });
  for await (const doc of cursor) {
    while (expected < doc.position && gaps.length < count) gaps.push(expected++);
    if (gaps.length >= count) break;
    expected = doc.position + 1;
  }
  await cursor.close();
  while (gaps.length < count) gaps.push(expected++);
  return gaps;
}

function toPurchase(
  sale: OutboxSale,
  hex: string,
  entry: PendingPurchase,
  position: number,
  purchasedAt: Date,
): Purchase {
  const purchase: Purchase = {
    _id: new Types.ObjectId(hex),
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
    purchasedAt,
  };
  if (entry.key !== undefined) purchase.idempotencyKey = entry.key;
  return purchase;
}

/** Inserts the purchase unless it exists; 1 when it wrote it. */
async function upsert(purchases: mongo.Collection<Purchase>, purchase: Purchase): Promise<number> {
  const { _id, ...fields } = purchase;
  try {
    const result = await purchases.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
    return result.upsertedCount;
  } catch (error) {
    // Another instance restored it at the same moment.
    if (isDuplicateKey(error)) return 0;
    throw error;
  }
}
