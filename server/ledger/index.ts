import type { Connection, Types, mongo } from 'mongoose';
import type { Logger } from 'winston';
import { salesCollection } from './collection';
import { createSale, type NewSale } from './create-sale';
import { OutboxDrain } from './outbox-drain';
import { commitPurchase, type Committed, type PurchaseDecision } from './purchase-commit';
import {
  announceStart,
  dueRounds,
  dueStarts,
  openRoundForAdmin,
  openScheduledRound,
  type AdminRoundRequest,
  type DueSale,
} from './rounds';
import { saleModel, type Sale } from './sale.model';

export { salesReader, type SalesReader } from './collection';
export type { NewSale } from './create-sale';
export { keyDigest } from './key-digest';
export type { OutboxDrain } from './outbox-drain';
export type { Committed, PurchaseDecision } from './purchase-commit';
export { DEFAULT_MIN_AGE_MS, reconcile, type ReconcileDeps, type ReconcileResult } from './reconciler';
export { reconcileAtStartup } from './startup-reconcile';
export { RACE_WINDOW_MS, type AdminRoundRequest, type DueSale } from './rounds';
export type { PendingPurchase, PromoCondition, Sale } from './sale.model';
export { VIEW_PROJECTION } from './sale.projections';
export { nextFiring, schedulePeriodMs } from './schedule';

/** Builds the `sales` indexes (the jobs' due-work indexes). */
export async function ensureLedgerIndexes(connection: Connection): Promise<void> {
  await saleModel(connection).init();
}

/**
 * The sale ledger: the only writer of the `sales` collection (a lint rule keeps it so). Every write that clients
 * can see adds 1 to `version` here (visible-change.ts); the purchase time and position are decided here.
 */
export class SaleLedger {
  private readonly sales: mongo.Collection<Sale>;

  constructor(connection: Connection) {
    this.sales = salesCollection(connection);
  }

  /** Round 1 of a new sale. */
  create(input: NewSale, now: Date): Promise<Sale> {
    return createSale(this.sales, input, now);
  }

  /** One purchase, decided atomically; null when a rule refused it. */
  commit(decision: PurchaseDecision): Promise<Committed | null> {
    return commitPurchase(this.sales, decision);
  }

  /** An admin's next round; throws NOT_FOUND or ROUND_IN_PROGRESS. */
  openRound(saleId: Types.ObjectId, request: AdminRoundRequest, now: Date): Promise<Sale> {
    return openRoundForAdmin(this.sales, saleId, request, now);
  }

  /** Sales whose schedule is due. */
  dueRounds(now: Date, limit: number): Promise<DueSale[]> {
    return dueRounds(this.sales, now, limit);
  }

  /** The round of a due firing; null when another instance opened it. */
  openScheduledRound(sale: DueSale, now: Date): Promise<Sale | null> {
    return openScheduledRound(this.sales, sale, now);
  }

  /** Rounds whose start has come and was not announced. */
  dueStarts(now: Date, limit: number): Promise<Pick<Sale, '_id' | 'round'>[]> {
    return dueStarts(this.sales, now, limit);
  }

  /** Announces a round's start once; true when this call did. */
  announceStart(sale: Pick<Sale, '_id' | 'round'>, now: Date): Promise<boolean> {
    return announceStart(this.sales, sale, now);
  }

  /** A batcher that removes recorded purchases from the outbox. */
  outboxDrain(logger: Logger): OutboxDrain {
    return new OutboxDrain(this.sales, logger);
  }
}
