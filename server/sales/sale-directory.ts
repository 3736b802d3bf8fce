import type { Connection, Types } from 'mongoose';
import { salesReader, type Sale, type SalesReader } from '../ledger';

/** The immutable facts of a sale plus its current round, as last seen by this process. */
export interface SaleInfo {
  id: Types.ObjectId;
  round: number;
  productId: Types.ObjectId;
  price: number;
  currency: string;
  perOrderLimit: number;
  perUserLimit: number;
  /** When this process read the round (ms since epoch). */
  seenAt: number;
}

const PROJECTION = {
  round: 1,
  productId: 1,
  price: 1,
  currency: 1,
  perOrderLimit: 1,
  perUserLimit: 1,
} as const;

const MAX_ENTRIES = 10_000;

/**
 * A per-process cache of what a purchase needs to know before its one atomic update. Only `round` ever changes;
 * a stale round is harmless because the purchase update pins it and re-reads when it does not match.
 */
export class SaleDirectory {
  private readonly entries = new Map<string, SaleInfo>();
  private readonly loading = new Map<string, Promise<SaleInfo | null>>();
  private readonly sales: SalesReader;

  constructor(connection: Connection) {
    this.sales = salesReader(connection);
  }

  /** The sale's info, from memory unless older than `maxAgeMs`; null when there is no such sale. */
  get(id: Types.ObjectId, idHex: string, maxAgeMs = Infinity): Promise<SaleInfo | null> {
    const cached = this.entries.get(idHex);
    if (cached && Date.now() - cached.seenAt <= maxAgeMs) return Promise.resolve(cached);
    // Concurrent misses (the first second of a rush) share one read.
    let loading = this.loading.get(idHex);
    if (!loading) {
      loading = this.load(id, idHex).finally(() => this.loading.delete(idHex));
      this.loading.set(idHex, loading);
    }
    return loading;
  }

  /** The sale's info as last read by this process, without reading it (undefined when not in memory). */
  peek(idHex: string): SaleInfo | undefined {
    return this.entries.get(idHex);
  }

  private async load(id: Types.ObjectId, idHex: string): Promise<SaleInfo | null> {
    const doc = await this.sales.findOne({ _id: id }, { projection: PROJECTION });
    if (!doc) {
      this.entries.delete(idHex);
      return null;
    }
    return this.remember(idHex, doc);
  }

  /** Records a fresh read of the sale (any projection that holds the info fields). */
  remember(idHex: string, doc: Pick<Sale, '_id' | keyof typeof PROJECTION>): SaleInfo {
    const info: SaleInfo = {
      id: doc._id,
      round: doc.round,
      productId: doc.productId,
      price: doc.price,
      currency: doc.currency,
      perOrderLimit: doc.perOrderLimit,
      perUserLimit: doc.perUserLimit,
      seenAt: Date.now(),
    };
    this.entries.delete(idHex);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(idHex, info);
    return info;
  }

  /** Drops what is known about a sale (after this process changed its round). */
  forget(idHex: string): void {
    this.entries.delete(idHex);
  }
}
