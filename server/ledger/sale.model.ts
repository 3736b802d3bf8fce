import { Schema, Types, type Connection, type Model } from 'mongoose';

/** An outbox entry: a purchase committed on the sale whose purchase document may not be written yet. */
export interface PendingPurchase {
  round: number;
  userId: Types.ObjectId;
  userName: string;
  quantity: number;
  key?: string;
  /** Digest of (user, key), the name of the key's entry in `keys` (keyed purchases only). */
  d?: string;
  /** The deciding instance's clock when it sent the update; the purchase time is derived from it (see README). */
  at: Date;
}

/** Optional description of why the promotion applies (the seed's promo_condition). */
export interface PromoCondition {
  name: string;
  description: string;
}

/**
 * The sale document: the ledger of a flash sale. Stock, per-user tallies, idempotency keys, the time gate and
 * the purchase order live here so that one atomic update decides a purchase (README, "How the count stays
 * exact"). Only `server/ledger/` writes it.
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
  /** Increases by one on every change clients can see (ledger/visible-change.ts). */
  version: number;
  /** Units bought in the current round, by user id (hex); reset when a round opens. At most `units` entries. */
  buyers: Record<string, number>;
  /**
   * Idempotency keys of the current round, by digest of (user, key), plus the keys of outbox entries carried over
   * from earlier rounds. At most `units` + outbox entries.
   */
  keys: Record<string, true>;
  /** Outbox keyed by purchase id (hex); drained by the purchase path and the reconciler. */
  pending: Record<string, PendingPurchase>;
  /**
   * Ids of the outbox entries in commit order (pushed by the same update that takes the stock, pulled with the
   * entry). The reconciler needs this order to give a lost purchase its exact position and time.
   */
  seq: Types.ObjectId[];
  /** Time of the last purchase of the current round (`$max` of the deciding clocks); null before the first. */
  lastAt: Date | null;
  /** The current round's start while the start job has not announced it yet; null once announced. */
  pendingStartAt: Date | null;
  /** Next firing of `restartSchedule`: when the current round ends at the latest. Null without a schedule. */
  nextRoundAt: Date | null;
  /** When the current round was opened by an admin or the schedule (null for round 1); racing opens are judged by it. */
  roundOpenedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const promoConditionSchema = new Schema<PromoCondition>(
  { name: { type: String, required: true }, description: { type: String, default: '' } },
  { _id: false },
);

/** Schema of the `sales` collection. The maps are free-form and written by atomic updates only. */
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
    keys: { type: Schema.Types.Mixed, default: () => ({}) },
    pending: { type: Schema.Types.Mixed, default: () => ({}) },
    seq: { type: [Schema.Types.ObjectId], default: () => [] },
    lastAt: { type: Date, default: null },
    pendingStartAt: { type: Date, default: null },
    nextRoundAt: { type: Date, default: null },
    roundOpenedAt: { type: Date, default: null },
  },
  { collection: 'sales', versionKey: false, minimize: false, timestamps: true },
);

// The jobs ask for due work through these, so a tick costs the same with ten sales or a million.
// A range on dates never visits the nulls (BSON type bracketing).
saleSchema.index({ pendingStartAt: 1 });
saleSchema.index({ nextRoundAt: 1 });

/** The Sale model bound to a connection (registered once per connection); for its indexes only. */
export function saleModel(connection: Connection): Model<Sale> {
  return (connection.models.Sale as Model<Sale> | undefined) ?? connection.model<Sale>('Sale', saleSchema);
}
