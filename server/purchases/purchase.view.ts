import type { Purchase } from './purchase.model';

/** The contract's `purchase`. */
export interface PurchaseView {
  id: string;
  saleId: string;
  round: number;
  productId: string;
  quantity: number;
  price: number;
  currency: string;
  purchasedAt: string;
  position: number;
}

/** Shapes a purchase document into the contract's `purchase`. */
export function toPurchaseView(purchase: Purchase): PurchaseView {
  return {
    id: String(purchase._id),
    saleId: String(purchase.saleId),
    round: purchase.round,
    productId: String(purchase.productId),
    quantity: purchase.quantity,
    price: purchase.price,
    currency: purchase.currency,
    purchasedAt: new Date(purchase.purchasedAt).toISOString(),
    position: purchase.position,
  };
}
