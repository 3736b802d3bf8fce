import { setTimeout as sleep } from 'node:timers/promises';
import { Types, type Connection, type mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Identity } from '../auth/tokens';
import type { Clock } from '../clock';
import { isDuplicateKey } from '../db/duplicate-key';
import { AppError } from '../errors';
import {
  keyDigest,
  reconcile,
  salesReader,
  SaleLedger,
  type OutboxDrain,
  type Sale,
  type SalesReader,
} from '../ledger';
import type { SaleDirectory, SaleInfo } from '../sales/sale-directory';
import type { Purchase } from './purchase.model';
import { toPurchaseView, type PurchaseView } from './purchase.view';
import { purchasesCollection } from './purchases.collection';

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
  /**
   * Told when this process saw a round sold out (it sold the last unit, or a refused update's read found 0), so
   * the calls after it are refused from memory before the change stream reports the sell-out.
   */
  noteSoldOut(saleHex: string, round: number): void;
  /** Told after purchases of a sale were written (leaderboard caches). */
  onPurchasesWritten(saleHex: string): void;
}

/** Rounds may change under a purchase; after this many re-reads the caller is told to retry. */
const MAX_ATTEMPTS = 5;
/** How long the sold-out fast path trusts this process's idea of the current round. */
const ROUND_TRUST_MS = 1000;
/** How long a repeated key waits for the first request's purchase document. */
const REPLAY_WAIT_MS = 2000;
const REPLAY_POLL_MS = 20;

type Explained = { retry: SaleInfo } | { replay: PurchaseAnswer };

/**
 * Purchases. Each one is decided by ONE atomic update of the sale document in the ledger (time gate, round,
 * stock, per-user limit, idempotency key, position, time and an outbox entry), then recorded by ONE insert of the
 * purchase document. See README.md, "How the count stays exact".
 */
export class PurchaseService {
  private readonly ledger: SaleLedger;
  private readonly sales: SalesReader;
  private readonly purchases: mongo.Collection<Purchase>;
  private readonly drain: OutboxDrain;

  constructor(private readonly deps: PurchaseDeps) {
    this.ledger = new SaleLedger(deps.connection);
    this.sales = salesReader(deps.connection);
    this.purchases = purchasesCollection(deps.connection);
    this.drain = this.ledger.outboxDrain(deps.logger);
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
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (request.idempotencyKey !== undefined) {
        // Looked up on every attempt, AFTER the round it pins was read: if the update below matches, no round
        // opened since that read, so a purchase of this key is either in the sale's `keys` (this round, or
        // carried because still in the outbox) or was recorded before this lookup, which then finds it.
        const prior = await this.findByKey(request);
        if (prior) return this.replay(prior);
      } else if (this.deps.isSoldOut(request.saleHex, info.round)) {
        if (this.roundIsFresh(info)) throw new AppError('SOLD_OUT');
        const fresh = await this.deps.directory.get(request.saleId, request.saleHex, 0);
        if (!fresh) throw new AppError('NOT_FOUND', { message: 'No such sale' });
        info = fresh;
        if (this.deps.isSoldOut(request.saleHex, info.round)) throw new AppError('SOLD_OUT');
      }
      // The clock is read for each attempt: the ledger stamps the purchase with the later of it and the last
      // purchase's time, so the time of a purchase is the time of its decision.
      const now = this.deps.clock.now();
      const answer = await this.commit(request, info, now);
      if (answer) return answer;
      const explained = await this.explain(request, info, now);
      if ('replay' in explained) return explained.replay;
      info = explained.retry;
    }
    throw new AppError('SERVICE_UNAVAILABLE', { message: 'The sale changed too often; try again' });
  }

  /**
   * True when a purchase call would be refused `409 SOLD_OUT` from this process's memory, with no database round
   * trip: a call without an Idempotency-Key (a repeated key must reach the ledger: its answer is the first
   * purchase, sold out or not) on a sale whose round the live cache knows is sold out. The rate limiter asks it
   * before counting a call in the shared store (server/http/rate-limits.ts).
   */
  refusesFromMemory(saleHex: string, hasIdempotencyKey: boolean): boolean {
    if (hasIdempotencyKey) return false;
    const info = this.deps.directory.peek(saleHex);
    return info !== undefined && this.deps.isSoldOut(saleHex, info.round) && this.roundIsFresh(info);
  }

  /**
   * Whether this process's idea of the current round may be trusted to refuse a call as sold out without a round
   * trip: only briefly, since another instance may have opened the next round.
   */
  private roundIsFresh(info: SaleInfo): boolean {
    return Date.now() - info.seenAt <= ROUND_TRUST_MS;
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
    const userId = new Types.ObjectId(buyer.id);
    const committed = await this.ledger.commit({
      saleId: request.saleId,
      round: info.round,
      purchaseId: id,
      userId,
      userHex: buyer.id,
      userName: buyer.name,
      quantity,
      perUserLimit: info.perUserLimit,
      idempotencyKey: key,
      now,
    });
    if (!committed) return null;
    if (committed.remaining === 0) this.deps.noteSoldOut(request.saleHex, info.round);

    const purchase: Purchase = {
      _id: id,
      saleId: request.saleId,
      round: info.round,
      position: committed.position,
      productId: info.productId,
      userId,
      userName: buyer.name,
      quantity,
      price: info.price,
      currency: info.currency,
      promo: true,
      remainingAfter: committed.remaining,
      purchasedAt: committed.purchasedAt,
    };
    if (key !== undefined) purchase.idempotencyKey = key;
    await this.record(purchase, request.saleHex);
    return { purchase: toPurchaseView(purchase), remaining: committed.remaining };
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
        // The reconciler wrote it first (same id, position and time).
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
    const digest = key === undefined ? null : keyDigest(buyer.id, key);
    const projection: Record<string, 1> = {
      round: 1,
      startsAt: 1,
      remaining: 1,
      productId: 1,
      price: 1,
      currency: 1,
      perOrderLimit: 1,
      perUserLimit: 1,
      [`buyers.${buyer.id}`]: 1,
    };
    if (digest) projection[`keys.${digest}`] = 1;
    const sale = (await this.sales.findOne({ _id: request.saleId }, { projection })) as Sale | null;
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
    if (digest && sale.keys?.[digest]) return { replay: await this.awaitReplay(request) };
    if (sale.remaining <= 0) {
      this.deps.noteSoldOut(request.saleHex, sale.round);
      throw new AppError('SOLD_OUT');
    }
    if (sale.remaining < quantity)
      throw new AppError('INSUFFICIENT_STOCK', { details: { remaining: sale.remaining } });
    const mine = sale.buyers?.[buyer.id] ?? 0;
    if (mine + quantity > sale.perUserLimit) {
      throw new AppError('USER_LIMIT_REACHED', {
        details: { perUserLimit: sale.perUserLimit, purchased: mine },
      });
    }
    // Nothing refuses it now: the sale changed between the update and the read; try again.
    return { retry: info };
  }

  /** The purchase an Idempotency-Key bought in this sale, in any round. */
  private findByKey(request: PurchaseRequest): Promise<Purchase | null> {
    return this.purchases.findOne({
      userId: new Types.ObjectId(request.buyer.id),
      saleId: request.saleId,
      idempotencyKey: request.idempotencyKey,
    });
  }

  /**
   * The key was already used (its entry is in the sale's `keys`): wait for the first request's purchase document
   * and answer it again. If that request died after committing, restore its purchase from the outbox now.
   */
  private async awaitReplay(request: PurchaseRequest): Promise<PurchaseAnswer> {
    const deadline = Date.now() + REPLAY_WAIT_MS;
    for (;;) {
      const doc = await this.findByKey(request);
      if (doc) return this.replay(doc);
      if (Date.now() >= deadline) break;
      await sleep(REPLAY_POLL_MS);
    }
    await reconcile(this.deps, {
      minAgeMs: 0,
      saleId: request.saleId,
      only: (entry) => String(entry.userId) === request.buyer.id && entry.key === request.idempotencyKey,
    });
    const doc = await this.findByKey(request);
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
