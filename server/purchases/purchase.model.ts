import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One successful buy: the durable, indexed projection of a purchase committed on the sale document (the ledger).
 * `_id` is chosen before the sale update, so the purchase path and the reconciler write the same document.
 */
export interface Purchase {
  _id: Types.ObjectId;
  saleId: Types.ObjectId;
  round: number;
  /** 1-based order in its round, from the sale's atomic update. */
  position: number;
  productId: Types.ObjectId;
  userId: Types.ObjectId;
  /** Denormalised for the leaderboard. */
  userName: string;
  quantity: number;
  /** Unit price in minor units. */
  price: number;
  currency: string;
  promo: boolean;
  idempotencyKey?: string;
  /** Stock left right after this purchase, replayed for a repeated Idempotency-Key; null when reconciled. */
  remainingAfter: number | null;
  purchasedAt: Date;
}

/** Schema of the `purchases` collection. */
export const purchaseSchema = new Schema<Purchase>(
  {
    saleId: { type: Schema.Types.ObjectId, required: true },
    round: { type: Number, required: true },
    position: { type: Number, required: true },
    productId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    userName: { type: String, required: true },
    quantity: { type: Number, required: true },
    price: { type: Number, required: true },
    currency: { type: String, required: true },
    promo: { type: Boolean, required: true },
    idempotencyKey: { type: String },
    remainingAfter: { type: Number, default: null },
    purchasedAt: { type: Date, required: true },
  },
  { collection: 'purchases', versionKey: false },
);

// The leaderboard's query: one round of one sale in purchase order; unique because positions are handed out once.
purchaseSchema.index({ saleId: 1, round: 1, position: 1 }, { unique: true });
// One key, one purchase per user and sale, in every round: the lookup of a repeated key, and a backstop for what
// the ledger already guarantees (README, "How the count stays exact").
purchaseSchema.index(
  { userId: 1, saleId: 1, idempotencyKey: 1 },
  { unique: true, partialFilterExpression: { idempotencyKey: { $exists: true } } },
);
// "My purchases", newest first.
purchaseSchema.index({ userId: 1, purchasedAt: -1 });

/** The Purchase model bound to a connection. */
export function purchaseModel(connection: Connection): Model<Purchase> {
  return (
    (connection.models.Purchase as Model<Purchase> | undefined) ??
    connection.model<Purchase>('Purchase', purchaseSchema)
  );
}
