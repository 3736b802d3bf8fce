import { setTimeout as sleep } from 'node:timers/promises';
import { Types, type Connection, type mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Identity } from '../auth/tokens';
import type { Clock } from '../clock';
import { isDuplicateKey } from '../db/duplicate-key';
import { AppError } from '../errors';
import type { PendingPurchase, Sale, SaleBuyer } from '../sales/sale.model';
import { salesCollection, type SaleDirectory, type SaleInfo } from '../sales/sale-directory';
import { OutboxDrain } from './outbox-drain';
import type { Purchase } from './purchase.model';
import { toPurchaseView, type PurchaseView } from './purchase.view';
import { purchasesCollection } from './purchases.collection';
import { reconcile } from './reconciler';

/** What a purchase answers (and what a repeated Idempotency-Key answers again). */
export interface PurchaseAnswer {
  purchase: PurchaseView;
  remaining: number;
}

/** One purchase request, already validated. */
export interface PurchaseRequest {
  buyer: Identity;
  saleId: Types.ObjectId;
  saleHex: string;
  quantity: number;
  idempotencyKey?: string;
}

/** Dependencies of the purchase service. */
export interface PurchaseDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  directory: SaleDirectory;
  /** The live-stock fast path: true only when this exact round is known to be sold out. */
  isSoldOut(saleHex: string, round: number): boolean;
  /** Told after purchases of a sale were written (leaderboard caches). */
  onPurchasesWritten(saleHex: string): void;
}

/** The update answers only what the purchase needs: its position and the stock left. */
const COMMIT_PROJECTION = { orders: 1, remaining: 1 } as const;
/** Rounds may change under a purchase; after this many re-reads the caller is told to retry. */
const MAX_ATTEMPTS = 3;
/** How long the sold-out fast path trusts this process's idea of the current round. */
const ROUND_TRUST_MS = 1000;
/** How long a repeated key waits for the first request's purchase document. */
const REPLAY_WAIT_MS = 2000;
const REPLAY_POLL_MS = 20;

type Explained = { retry: SaleInfo } | { replay: PurchaseAnswer };

/**
 * Purchases. Each one is decided by ONE atomic findOneAndUpdate on the sale document (time gate, round, stock,
 * per-user limit, idempotency key, position and an outbox entry), then recorded by ONE insert of the purchase
 * document. See README.md, "How the count stays exact".
 */
export class PurchaseService {
  private readonly sales: mongo.Collection<Sale>;
  private readonly purchases: mongo.Collection<Purchase>;
  private readonly drain: OutboxDrain;

  constructor(private readonly deps: PurchaseDeps) {
    this.sales = salesCollection(deps.connection);
    this.purchases = purchasesCollection(deps.connection);
    this.drain = new OutboxDrain(this.sales, deps.logger);
  }

  /** Buys `quantity` units for the caller, or throws the contract's refusal. */
  async buy(request: PurchaseRequest): Promise<PurchaseAnswer> {
    let info = await this.deps.directory.get(request.saleId, request.saleHex);
    if (!info) throw new AppError('NOT_FOUND', { message: 'No such sale' });
    if (request.quantity > info.perOrderLimit) {
      throw new AppError('ORDER_LIMIT_EXCEEDED', { details: { perOrderLimit: info.perOrderLimit } });
    }
    // Also keeps the update's `$not: {$gt: limit - q}` meaningful: a negative bound would match a missing tally.
    if (request.quantity > info.perUserLimit) {
      throw new AppError('USER_LIMIT_REACHED', { details: { perUserLimit: info.perUserLimit } });
    }
    if (request.idempotencyKey !== undefined) {
      const prior = await this.purchases.findOne(
        {
          userId: new Types.ObjectId(request.buyer.id),
          saleId: request.saleId,
          idempotencyKey: request.idempotencyKey,
        },
        { sort: { round: 1 } },
      );
      if (prior) return this.replay(prior);
    }
    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      // The live cache may refuse a plain purchase without a round trip; a repeated key must reach the ledger,
      // because its answer is the first purchase, sold out or not.
      if (request.idempotencyKey === undefined && this.deps.isSoldOut(request.saleHex, info.round)) {
        // Trust a cached round only briefly: another instance may have opened the next one.
        if (Date.now() - info.seenAt <= ROUND_TRUST_MS) throw new AppError('SOLD_OUT');
        const fresh = await this.deps.directory.get(request.saleId, request.saleHex, 0);
        if (!fresh) throw new AppError('NOT_FOUND', { message: 'No such sale' });
        info = fresh;
        if (this.deps.isSoldOut(request.saleHex, info.round)) throw new AppError('SOLD_OUT');
      }
      const answer = await this.commit(request, info, now);
      if (answer) return answer;
      const explained = await this.explain(request, info, now);
      if ('replay' in explained) return explained.replay;
      info = explained.retry;
    }
    throw new AppError('SERVICE_UNAVAILABLE', { message: 'The sale changed too often; try again' });
  }

  /** The caller's purchases, newest first. */
  async listForUser(userId: string): Promise<PurchaseView[]> {
    const docs = await this.purchases
      .find({ userId: new Types.ObjectId(userId) })
      .sort({ purchasedAt: -1, _id: -1 })
      .limit(500)
      .toArray();
    return docs.map(toPurchaseView);
  }

  /** Flushes pending outbox removals and stops the timer. */
  close(): Promise<void> {
    return this.drain.close();
  }

  /** The one atomic update, then the insert. Null when the sale did not match (explain why separately). */
  private async commit(request: PurchaseRequest, info: SaleInfo, now: Date): Promise<PurchaseAnswer | null> {
    const { buyer, quantity, idempotencyKey: key } = request;
    const id = new Types.ObjectId();
    const idHex = id.toHexString();
    const userId = new Types.ObjectId(buyer.id);
    const tally = `buyers.${buyer.id}`;

    const filter: Record<string, unknown> = {
      _id: request.saleId,
      round: info.round,
      startsAt: { $lte: now },
      remaining: { $gte: quantity },
      [`${tally}.q`]: { $not: { $gt: info.perUserLimit - quantity } },
    };
    const entry: PendingPurchase = { round: info.round, userId, userName: buyer.name, quantity, at: now };
    const push: Record<string, unknown> = { seq: id };
    if (key !== undefined) {
      filter[`${tally}.k`] = { $ne: key };
      entry.key = key;
      push[`${tally}.k`] = key;
    }
    const update: mongo.UpdateFilter<Sale> = {
      $inc: { remaining: -quantity, sold: quantity, orders: 1, version: 1, [`${tally}.q`]: quantity },
      $set: { [`pending.${idHex}`]: entry, updatedAt: now },
      $push: push,
    };

    const after: Pick<Sale, 'orders' | 'remaining'> | null = await this.sales.findOneAndUpdate(
      filter as mongo.Filter<Sale>,
      update,
      { returnDocument: 'after', projection: COMMIT_PROJECTION },
    );
    if (!after) return null;

    const purchase: Purchase = {
      _id: id,
      saleId: request.saleId,
      round: info.round,
      position: after.orders,
      productId: info.productId,
      userId,
      userName: buyer.name,
      quantity,
      price: info.price,
      currency: info.currency,
      promo: true,
      remainingAfter: after.remaining,
      purchasedAt: now,
    };
    if (key !== undefined) purchase.idempotencyKey = key;
    await this.record(purchase, request.saleHex);
    return { purchase: toPurchaseView(purchase), remaining: after.remaining };
  }

  /**
   * Writes the purchase document. The purchase already happened (the sale holds it), so a failure here is not the
   * caller's failure: the entry stays in the outbox and the reconciler writes the document.
   */
  private async record(purchase: Purchase, saleHex: string): Promise<void> {
    try {
      await this.purchases.insertOne(purchase);
      this.drain.add(purchase.saleId, saleHex, purchase._id);
    } catch (error) {
      if (isDuplicateKey(error)) {
        // The reconciler wrote it first.
        this.drain.add(purchase.saleId, saleHex, purchase._id);
      } else {
        this.deps.logger.error('purchase document left to the reconciler', {
          saleId: saleHex,
          purchaseId: purchase._id.toHexString(),
          error: String(error),
        });
      }
    }
    this.deps.onPurchasesWritten(saleHex);
  }

  /** Reads the sale once and turns a non-matching update into the contract's answer. */
  private async explain(request: PurchaseRequest, info: SaleInfo, now: Date): Promise<Explained> {
    const { buyer, quantity, idempotencyKey: key } = request;
    const sale = await this.sales.findOne(
      { _id: request.saleId },
      {
        projection: {
          round: 1,
          startsAt: 1,
          remaining: 1,
          productId: 1,
          price: 1,
          currency: 1,
          perOrderLimit: 1,
          perUserLimit: 1,
          [`buyers.${buyer.id}`]: 1,
        },
      },
    );
    if (!sale) {
      this.deps.directory.forget(request.saleHex);
      throw new AppError('NOT_FOUND', { message: 'No such sale' });
    }
    if (sale.round !== info.round) return { retry: this.deps.directory.remember(request.saleHex, sale) };
    if (now.getTime() < new Date(sale.startsAt).getTime()) {
      throw new AppError('SALE_NOT_STARTED', {
        details: { startsAt: new Date(sale.startsAt).toISOString() },
      });
    }
    const mine: SaleBuyer | undefined = sale.buyers?.[buyer.id];
    if (key !== undefined && mine?.k?.includes(key)) {
      return { replay: await this.awaitReplay(request, sale.round) };
    }
    if (sale.remaining <= 0) throw new AppError('SOLD_OUT');
    if (sale.remaining < quantity)
      throw new AppError('INSUFFICIENT_STOCK', { details: { remaining: sale.remaining } });
    if ((mine?.q ?? 0) + quantity > sale.perUserLimit) {
      throw new AppError('USER_LIMIT_REACHED', {
        details: { perUserLimit: sale.perUserLimit, purchased: mine?.q ?? 0 },
      });
    }
    // Nothing refuses it now: the sale changed between the update and the read; try again.
    return { retry: info };
  }

  /**
   * The key was already used in this round: wait for the first request's purchase document and answer it again.
   * If that request died after committing, restore its purchase from the outbox now instead of waiting.
   */
  private async awaitReplay(request: PurchaseRequest, round: number): Promise<PurchaseAnswer> {
    const query = {
      userId: new Types.ObjectId(request.buyer.id),
      saleId: request.saleId,
      idempotencyKey: request.idempotencyKey,
      round,
    };
    const deadline = Date.now() + REPLAY_WAIT_MS;
    for (;;) {
      const doc = await this.purchases.findOne(query);
      if (doc) return this.replay(doc);
      if (Date.now() >= deadline) break;
      await sleep(REPLAY_POLL_MS);
    }
    await reconcile(this.deps, {
      minAgeMs: 0,
      saleId: request.saleId,
      only: (entry) => String(entry.userId) === request.buyer.id && entry.key === request.idempotencyKey,
    });
    const doc = await this.purchases.findOne(query);
    if (doc) return this.replay(doc);
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: 'The first request with this key is still in progress',
    });
  }

  private async replay(doc: Purchase): Promise<PurchaseAnswer> {
    if (doc.remainingAfter !== null && doc.remainingAfter !== undefined) {
      return { purchase: toPurchaseView(doc), remaining: doc.remainingAfter };
    }
    // Restored by the reconciler, which cannot know the stock of that instant: answer today's.
    const sale = await this.sales.findOne({ _id: doc.saleId }, { projection: { remaining: 1 } });
    return { purchase: toPurchaseView(doc), remaining: sale?.remaining ?? 0 };
  }
}
