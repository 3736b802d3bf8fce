import type { PromoCondition, Sale } from '../ledger';

/** Derived status: only the clock and the stock decide it, never a job. */
export type SaleStatus = 'scheduled' | 'active' | 'sold_out';

/** The contract's `sale` shape. */
export interface SaleView {
  id: string;
  product: { id: string; name: string };
  price: number;
  currency: string;
  units: number;
  remaining: number;
  sold: number;
  round: number;
  status: SaleStatus;
  startsAt: string;
  /** Next firing of the restart schedule: the current round ends then at the latest. */
  nextRoundAt: string | null;
  perOrderLimit: number;
  perUserLimit: number;
  restartSchedule: string | null;
  promoCondition: PromoCondition | null;
  version: number;
  serverTime: string;
}

/** The fields a view needs; `buyers` and `pending` may be projected away. */
export type SaleViewSource = Pick<
  Sale,
  | '_id'
  | 'productId'
  | 'productName'
  | 'price'
  | 'currency'
  | 'units'
  | 'remaining'
  | 'sold'
  | 'round'
  | 'startsAt'
  | 'nextRoundAt'
  | 'perOrderLimit'
  | 'perUserLimit'
  | 'restartSchedule'
  | 'promoCondition'
  | 'version'
>;

/** Status at `now`: before `startsAt` it is scheduled whatever any job did; then stock decides. */
export function saleStatus(sale: Pick<Sale, 'startsAt' | 'remaining'>, now: Date): SaleStatus {
  if (now.getTime() < new Date(sale.startsAt).getTime()) return 'scheduled';
  return sale.remaining <= 0 ? 'sold_out' : 'active';
}

/** Shapes a sale document (lean or hydrated) into the contract's `sale`, as seen at `now`. */
export function toSaleView(doc: SaleViewSource, now: Date): SaleView {
  const promo = doc.promoCondition;
  return {
    id: String(doc._id),
    product: { id: String(doc.productId), name: doc.productName },
    price: doc.price,
    currency: doc.currency,
    units: doc.units,
    remaining: doc.remaining,
    sold: doc.sold,
    round: doc.round,
    status: saleStatus(doc, now),
    startsAt: new Date(doc.startsAt).toISOString(),
    nextRoundAt: doc.nextRoundAt ? new Date(doc.nextRoundAt).toISOString() : null,
    perOrderLimit: doc.perOrderLimit,
    perUserLimit: doc.perUserLimit,
    restartSchedule: doc.restartSchedule ?? null,
    promoCondition: promo ? { name: promo.name, description: promo.description } : null,
    version: doc.version,
    serverTime: now.toISOString(),
  };
}
