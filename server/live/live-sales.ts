import type { Logger } from 'winston';
import type { SaleChange } from './change-feed';
import type { UpdateCoalescer } from './coalescer';
import type { PurchaseBatcher } from './purchase-batcher';
import { committedPurchase } from './purchase-items';
import type { PurchaseStamps } from './purchase-stamps';
import { mergeUpdatedFields, stateFromDocument, type LiveSaleState } from './sale-state';
import type { StockCache } from './stock-cache';

/** Reads the live fields of one sale from the database; null when it does not exist. */
export type ReadLiveState = (saleId: string) => Promise<LiveSaleState | null>;

export interface LiveSalesDeps {
  cache: StockCache;
  coalescer: UpdateCoalescer;
  /** New buyers, folded into `sale:purchases`, and their times. */
  purchases: PurchaseBatcher;
  stamps: PurchaseStamps;
  readState: ReadLiveState;
  logger: Logger;
}

/** Re-reads after a history loss run this many at a time, so a rebuild cannot flood the database. */
const REBUILD_CONCURRENCY = 8;

/**
 * Turns change events and snapshot reads into the per-sale live state: it merges update deltas onto the known
 * state (reading the sale when the delta cannot be trusted), keeps the stock cache current and hands every
 * newer state to the coalescer.
 */
export class LiveSales {
  constructor(private readonly deps: LiveSalesDeps) {}

  /**
   * Applies one change from the stream. The stock goes first: when both windows are quiet, a purchase's
   * `sale:update` (the counter every watcher shows) leaves before its `sale:purchases` (the board), which may
   * wait for the purchase's time. Inside a window each event waits for its own window's end, in either order.
   */
  async applyChange(change: SaleChange): Promise<void> {
    await this.applyState(change);
    // Every purchase is its own update event, delivered once and in commit order: none is skipped or repeated.
    const unstamped = change.operationType === 'update' ? committedPurchase(change.updatedFields) : null;
    if (unstamped) {
      const purchase = await this.deps.stamps.stamp(change.saleId, unstamped);
      if (purchase) this.deps.purchases.offer(change.saleId, purchase);
      else
        this.deps.logger.error('live: purchase time unknown', { saleId: change.saleId, ...unstamped.item });
    }
  }

  /** The sale's new live state from one change: merged onto the known one, or read when it cannot be. */
  private async applyState(change: SaleChange): Promise<void> {
    if (change.operationType !== 'update') {
      const state = stateFromDocument({ ...change.fullDocument, _id: change.saleId });
      if (state) this.publish(state);
      else await this.reread(change.saleId);
      return;
    }
    const known = this.deps.cache.get(change.saleId);
    const merged = known
      ? mergeUpdatedFields(known, change.updatedFields ?? {})
      : { kind: 'unknown' as const };
    if (merged.kind === 'newer') this.publish(merged.state);
    else if (merged.kind === 'unknown') await this.reread(change.saleId);
  }

  /** Takes a state read from the database (a subscription snapshot): newer than known means a push too. */
  publish(state: LiveSaleState): void {
    if (this.deps.cache.offer(state)) this.deps.coalescer.offer(state);
  }

  /**
   * After the stream lost changes: forget every state (none can be trusted for deltas any more), read the given
   * sales again and re-send each to its room even when its version did not move.
   */
  async rebuild(saleIds: string[]): Promise<void> {
    const { cache, coalescer, readState, logger } = this.deps;
    cache.forget();
    const queue = [...saleIds];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const state = await readState(id);
          if (!state) continue;
          cache.offer(state);
          coalescer.offer(cache.get(id) ?? state, true);
        } catch (error) {
          logger.error('live: snapshot re-read failed', { saleId: id, error: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REBUILD_CONCURRENCY, queue.length) }, worker));
  }

  private async reread(saleId: string): Promise<void> {
    try {
      const state = await this.deps.readState(saleId);
      if (state) this.publish(state);
      else this.deps.cache.forget(saleId);
    } catch (error) {
      // Without a trusted base the next delta of this sale triggers another read.
      this.deps.cache.forget(saleId);
      this.deps.logger.error('live: sale read failed', { saleId, error: (error as Error).message });
    }
  }
}
