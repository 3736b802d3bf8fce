import type { Types, mongo } from 'mongoose';
import type { Logger } from 'winston';
import type { Sale } from '../sales/sale.model';

/** Most entries one update removes, so a piggybacked update stays small. */
const BATCH = 64;
/** How long queued removals may wait for a purchase to carry them before a dedicated update does. */
const IDLE_FLUSH_MS = 100;

/**
 * Removes outbox entries (`pending.<purchaseId>`) whose purchase document is written. Removals ride on this
 * process's next purchase update of the same sale (distinct paths never conflict), and a short timer flushes
 * what is left when the sale is idle. A removal that is lost (crash, error) is harmless: the reconciler upserts
 * the already written purchase (a no-op) and removes the entry itself.
 */
export class OutboxDrain {
  private readonly queued = new Map<string, { id: Types.ObjectId; entries: string[] }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sales: mongo.Collection<Sale>,
    private readonly logger: Logger,
  ) {}

  /** Queues the removal of one entry. */
  add(saleId: Types.ObjectId, saleHex: string, purchaseHex: string): void {
    const queue = this.queued.get(saleHex);
    if (queue) queue.entries.push(purchaseHex);
    else this.queued.set(saleHex, { id: saleId, entries: [purchaseHex] });
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, IDLE_FLUSH_MS).unref();
  }

  /** Takes up to a batch of queued removals of a sale, as an `$unset` document, or null when none are queued. */
  take(saleHex: string): Record<string, ''> | null {
    const queue = this.queued.get(saleHex);
    if (!queue) return null;
    const taken = queue.entries.length <= BATCH ? queue.entries : queue.entries.splice(0, BATCH);
    if (taken === queue.entries) this.queued.delete(saleHex);
    const unset: Record<string, ''> = {};
    for (const entry of taken) unset[`pending.${entry}`] = '';
    return unset;
  }

  /** Puts removals back after the update that carried them did not apply. */
  giveBack(saleId: Types.ObjectId, saleHex: string, unset: Record<string, ''>): void {
    for (const path of Object.keys(unset)) this.add(saleId, saleHex, path.slice('pending.'.length));
  }

  /** Writes every queued removal now (idle timer and shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const work = [...this.queued.entries()];
      this.queued.clear();
      await Promise.all(
        work.map(async ([, queue]) => {
          const unset: Record<string, ''> = {};
          for (const entry of queue.entries) unset[`pending.${entry}`] = '';
          try {
            await this.sales.updateOne({ _id: queue.id }, { $unset: unset });
          } catch (error) {
            this.logger.warn('outbox cleanup deferred to the reconciler', {
              saleId: String(queue.id),
              error: String(error),
            });
          }
        }),
      );
    });
    return this.flushing;
  }

  /** Stops the timer and flushes what is queued. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
