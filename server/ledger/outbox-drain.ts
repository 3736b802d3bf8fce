import type { Types, mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Sale } from './sale.model';

/** Removals wait at most this long, so the outbox stays small... */
const FLUSH_AFTER_MS = 100;
/** ...or until this many are queued for one sale. */
const FLUSH_AT = 200;

/** `$pull` of ids from `seq` (the driver's types do not model `$in` inside `$pull` on an ObjectId array). */
export function pullIds(ids: Types.ObjectId[]): mongo.PullOperator<Sale> {
  return { seq: { $in: ids } } as unknown as mongo.PullOperator<Sale>;
}

/**
 * Removes outbox entries (`pending.<id>` and the id in `seq`) once their purchase document is written. Removals
 * are batched: one update per sale per 100 ms (or per 200 purchases) instead of one per purchase, so the purchase
 * path stays at two round trips. A removal that is lost (crash, error) is harmless: the reconciler upserts the
 * already written purchase (a no-op) and removes the entry itself.
 */
export class OutboxDrain {
  private readonly queued = new Map<string, { id: Types.ObjectId; entries: Types.ObjectId[] }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sales: mongo.Collection<Sale>,
    private readonly logger: Logger,
  ) {}

  /** Queues the removal of one entry. */
  add(saleId: Types.ObjectId, saleHex: string, purchaseId: Types.ObjectId): void {
    let queue = this.queued.get(saleHex);
    if (!queue) this.queued.set(saleHex, (queue = { id: saleId, entries: [] }));
    queue.entries.push(purchaseId);
    if (queue.entries.length >= FLUSH_AT) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, FLUSH_AFTER_MS).unref();
  }

  /** Writes every queued removal now (timer, size and shutdown); flushes never overlap. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const work = [...this.queued.values()];
    this.queued.clear();
    if (work.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      Promise.all(work.map((queue) => this.remove(queue))).then(() => {}),
    );
    return this.flushing;
  }

  /** Stops the timer and flushes what is queued. */
  close(): Promise<void> {
    return this.flush();
  }

  private async remove(queue: { id: Types.ObjectId; entries: Types.ObjectId[] }): Promise<void> {
    const unset: Record<string, ''> = {};
    for (const entry of queue.entries) unset[`pending.${entry.toHexString()}`] = '';
    try {
      await this.sales.updateOne({ _id: queue.id }, { $unset: unset, $pull: pullIds(queue.entries) });
    } catch (error) {
      this.logger.warn('outbox cleanup left to the reconciler', {
        saleId: String(queue.id),
        error: String(error),
      });
    }
  }
}
