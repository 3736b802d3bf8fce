import { setTimeout as sleep } from 'node:timers/promises';
import type { CommittedPurchase, UnstampedPurchase } from './purchase-items';

/** Reads the recorded time of a purchase (the leaderboard's), or null while it is not recorded. */
export type ReadPurchaseTime = (saleId: string, round: number, position: number) => Promise<Date | null>;

const READ_ATTEMPTS = 50;
const READ_PAUSE_MS = 50;

/**
 * Gives each purchase seen on the change stream the time the ledger gave it. The update carries it in `lastAt`,
 * except when the deciding clock was behind the previous purchase: then the time is the previous purchase's,
 * which this keeps per sale from the stream (commit order). Only when that is unknown too (the first event this
 * process sees of a sale in progress) is the recorded purchase read, waiting for it (bounded).
 */
export class PurchaseStamps {
  private readonly last = new Map<string, { round: number; position: number; at: Date }>();

  constructor(private readonly readTime: ReadPurchaseTime) {}

  async stamp(saleId: string, purchase: UnstampedPurchase): Promise<CommittedPurchase | null> {
    const { round, item } = purchase;
    const previous = this.last.get(saleId);
    let at: Date | null = purchase.lastAt;
    if (!at && item.position === 1) at = purchase.at;
    if (!at && previous && previous.round === round && previous.position === item.position - 1) {
      at = previous.at.getTime() > purchase.at.getTime() ? previous.at : purchase.at;
    }
    for (let attempt = 0; !at && attempt < READ_ATTEMPTS; attempt += 1) {
      at = await this.readTime(saleId, round, item.position);
      if (!at) await sleep(READ_PAUSE_MS);
    }
    if (!at) return null;
    this.last.set(saleId, { round, position: item.position, at });
    return { round, item: { ...item, purchasedAt: at.toISOString() } };
  }
}
