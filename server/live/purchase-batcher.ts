import type { LeaderboardItem } from '../leaderboard/leaderboard.service';
import type { CommittedPurchase } from './purchase-items';

/** What `sale:purchases` carries: new buyers of one round, in position order. */
export interface PurchasesBatch {
  saleId: string;
  round: number;
  items: LeaderboardItem[];
}

interface Slot {
  round: number;
  items: LeaderboardItem[];
  timer: NodeJS.Timeout | null;
}

/**
 * Folds a sale's new purchases into at most one `sale:purchases` per window, like the updates: the first after a
 * quiet window goes out at once, later ones are collected and go out together when the window ends. Nothing is
 * dropped: items are only ever appended, in the order the change stream delivers them (commit order, which is
 * position order), and a new round first flushes what the previous round collected.
 */
export class PurchaseBatcher {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly windowMs: number,
    private readonly emit: (batch: PurchasesBatch) => void,
  ) {}

  offer(saleId: string, purchase: CommittedPurchase): void {
    if (this.closed) return;
    let slot = this.slots.get(saleId);
    if (!slot) {
      slot = { round: purchase.round, items: [], timer: null };
      this.slots.set(saleId, slot);
    }
    if (slot.round !== purchase.round) {
      this.flush(saleId, slot);
      slot.round = purchase.round;
    }
    slot.items.push(purchase.item);
    if (!slot.timer) this.send(saleId, slot);
  }

  /** Emits what is collected and stops the timers. */
  close(): void {
    for (const [saleId, slot] of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      this.flush(saleId, slot);
    }
    this.closed = true;
  }

  private send(saleId: string, slot: Slot): void {
    this.flush(saleId, slot);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (slot.items.length > 0) this.send(saleId, slot);
      else this.slots.delete(saleId);
    }, this.windowMs);
    slot.timer.unref();
  }

  private flush(saleId: string, slot: Slot): void {
    if (slot.items.length === 0) return;
    const items = slot.items;
    slot.items = [];
    this.emit({ saleId, round: slot.round, items });
  }
}
