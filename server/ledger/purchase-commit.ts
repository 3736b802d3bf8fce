import type { Types, mongo } from 'mongoose';
import { keyDigest } from './key-digest';
import type { PendingPurchase, Sale } from './sale.model';
import { visibleChange } from './visible-change';

/** One purchase to decide, already checked against the sale's limits by the caller. */
export interface PurchaseDecision {
  saleId: Types.ObjectId;
  /** The round this purchase is for: read from the database before any idempotency lookup of the caller. */
  round: number;
  purchaseId: Types.ObjectId;
  userId: Types.ObjectId;
  userHex: string;
  userName: string;
  quantity: number;
  perUserLimit: number;
  idempotencyKey?: string;
  /** The deciding instance's clock. */
  now: Date;
}

/** What the ledger decided for a purchase that matched. */
export interface Committed {
  /** 1-based order in the round. */
  position: number;
  remaining: number;
  /** Never earlier than the purchase before it in the round, whatever the clocks of the deciding instances. */
  purchasedAt: Date;
}

const COMMIT_PROJECTION = { orders: 1, remaining: 1, lastAt: 1 } as const;

/**
 * Decides a purchase with ONE atomic findOneAndUpdate on the sale: the filter holds every rule (round, time gate,
 * stock, the buyer's tally, the key not used), the update moves the units, hands out the position (`orders`) and
 * the time (`$max` of `lastAt` and this clock), records the tally and the key, and writes the outbox entry.
 * Null when a rule refused it; the caller reads the sale to say which. README, "How the count stays exact".
 */
export async function commitPurchase(
  sales: mongo.Collection<Sale>,
  decision: PurchaseDecision,
): Promise<Committed | null> {
  const { quantity, userHex, now, idempotencyKey: key } = decision;
  const tally = `buyers.${userHex}`;
  const filter: Record<string, unknown> = {
    _id: decision.saleId,
    round: decision.round,
    startsAt: { $lte: now },
    remaining: { $gte: quantity },
    // `$not: {$gt}` also matches a buyer without a tally; the caller refused quantity > perUserLimit already.
    [tally]: { $not: { $gt: decision.perUserLimit - quantity } },
  };
  const entry: PendingPurchase = {
    round: decision.round,
    userId: decision.userId,
    userName: decision.userName,
    quantity,
    at: now,
  };
  const set: Record<string, unknown> = { [`pending.${decision.purchaseId.toHexString()}`]: entry };
  if (key !== undefined) {
    const digest = keyDigest(userHex, key);
    filter[`keys.${digest}`] = { $exists: false };
    set[`keys.${digest}`] = true;
    entry.key = key;
    entry.d = digest;
  }
  const update = visibleChange(
    {
      $inc: { remaining: -quantity, sold: quantity, orders: 1, [tally]: quantity },
      $max: { lastAt: now },
      $set: set,
      $push: { seq: decision.purchaseId },
    } as mongo.UpdateFilter<Sale>,
    now,
  );
  const after = await sales.findOneAndUpdate(filter as mongo.Filter<Sale>, update, {
    returnDocument: 'after',
    projection: COMMIT_PROJECTION,
  });
  if (!after) return null;
  return { position: after.orders, remaining: after.remaining, purchasedAt: after.lastAt ?? now };
}
