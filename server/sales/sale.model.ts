import { Schema, Types, type Connection, type Model } from 'mongoose';

/** A buyer's tally in the current round: units bought and the idempotency keys used. */
export interface SaleBuyer {
  q: number;
  k?: string[];
}

/** An outbox entry: a purchase committed on the sale whose purchase document may not be written yet. */
export interface PendingPurchase {
  round: number;
  userId: Types.ObjectId;
  userName: string;
  quantity: number;
  key?: string;
  at: Date;
}

/** Optional description of why the promotion applies (the seed's promo_condition). */
export interface PromoCondition {
  name: string;
  description: string;
}

/**
 * The sale document: the ledger of a flash sale. Stock, per-user tallies, the time gate and the purchase order
 * live here so that one atomic update decides a purchase (see README.md, "How the count stays exact").
 */
export interface Sale {
  _id: Types.ObjectId;
  productId: Types.ObjectId;
  productName: string;
  price: number;
  currency: string;
  units: number;
  perOrderLimit: number;
  perUserLimit: number;
  restartSchedule: string | null;
  promoCondition: PromoCondition | null;
  /** Current round, starting at 1. */
  round: number;
  /** Start of the current round. */
  startsAt: Date;
  remaining: number;
  sold: number;
  /** Purchases in the current round; the returned value after an increment is the purchase's position. */
  orders: number;
  /** Increases on every change of the sale. */
  version: number;
  /** Keyed by user id (hex); reset when a round opens. */
  buyers: Record<string, SaleBuyer>;
  /** Outbox keyed by purchase id (hex); drained by the purchase path and the reconciler. */
  pending: Record<string, PendingPurchase>;
  /**
   * Ids of the outbox entries in commit order (pushed by the same update that takes the stock, pulled with the
   * entry). The reconciler needs this order to give a lost purchase its exact position.
   */
  seq: Types.ObjectId[];
  /** Last round whose start the sale-start job has made visible. */
  startedRound: number;
  /** Firing time of the restart schedule that opened the current round, if any. */
  lastScheduledRoundAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const promoConditionSchema = new Schema<PromoCondition>(
  { name: { type: String, required: true }, description: { type: String, default: '' } },
  { _id: false },
);

/** Schema of the `sales` collection. `buyers` and `pending` are free-form maps written by atomic updates. */
export const saleSchema = new Schema<Sale>(
  {
    productId: { type: Schema.Types.ObjectId, required: true },
    productName: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true, default: 'USD' },
    units: { type: Number, required: true, min: 1 },
    perOrderLimit: { type: Number, required: true, min: 1 },
    perUserLimit: { type: Number, required: true, min: 1 },
    restartSchedule: { type: String, default: null },
    promoCondition: { type: promoConditionSchema, default: null },
    round: { type: Number, required: true, default: 1 },
    startsAt: { type: Date, required: true },
    remaining: { type: Number, required: true },
    sold: { type: Number, required: true, default: 0 },
    orders: { type: Number, required: true, default: 0 },
    version: { type: Number, required: true, default: 1 },
    buyers: { type: Schema.Types.Mixed, default: () => ({}) },
    pending: { type: Schema.Types.Mixed, default: () => ({}) },
    seq: { type: [Schema.Types.ObjectId], default: () => [] },
    startedRound: { type: Number, required: true, default: 0 },
    lastScheduledRoundAt: { type: Date, default: null },
  },
  { collection: 'sales', versionKey: false, minimize: false, timestamps: true },
);

// The sale-start job scans for rounds whose start has passed but was not announced yet.
saleSchema.index({ startsAt: 1 });

/** The Sale model bound to a connection (registered once per connection). */
export function saleModel(connection: Connection): Model<Sale> {
  return (connection.models.Sale as Model<Sale> | undefined) ?? connection.model<Sale>('Sale', saleSchema);
}
