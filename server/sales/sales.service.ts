import { Types, type Connection, type mongo } from 'mongoose';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { SaleLedger, VIEW_PROJECTION, salesReader, type Sale } from '../ledger';
import { productModel } from '../products/product.model';
import type { SaleDirectory } from './sale-directory';
import { decodeSalesCursor, encodeSalesCursor } from './sales-cursor';
import type { CreateSaleInput, ListSalesQuery, OpenRoundInput } from './sales.schemas';
import type { SaleStatus } from './sale.view';

/** A page of sales, newest first. */
export interface SalesPage {
  items: Sale[];
  nextCursor: string | null;
}

/** Sales: created and restarted by admins, read by anyone. */
export interface SalesService {
  create(input: CreateSaleInput): Promise<Sale>;
  list(query: ListSalesQuery): Promise<SalesPage>;
  get(id: Types.ObjectId): Promise<Sale>;
  /** `receivedAt`: when the request arrived (opens that raced it are judged by it). */
  openRound(id: Types.ObjectId, input: OpenRoundInput, receivedAt: Date): Promise<Sale>;
}

/** The filter that selects sales in a derived status at `now`. */
function statusFilter(status: SaleStatus, now: Date): mongo.Filter<Sale> {
  if (status === 'scheduled') return { startsAt: { $gt: now } };
  if (status === 'active') return { startsAt: { $lte: now }, remaining: { $gt: 0 } };
  return { startsAt: { $lte: now }, remaining: { $lte: 0 } };
}

/** Builds the sales service. */
export function createSalesService(
  connection: Connection,
  clock: Clock,
  directory: SaleDirectory,
): SalesService {
  const products = productModel(connection);
  const ledger = new SaleLedger(connection);
  const sales = salesReader(connection);

  return {
    async create(input) {
      const product = await products.findById(input.productId).lean();
      if (!product) throw new AppError('NOT_FOUND', { message: 'No such product' });
      return ledger.create(
        {
          productId: product._id,
          productName: product.name,
          price: input.price,
          currency: product.currency,
          units: input.units,
          perOrderLimit: input.perOrderLimit,
          perUserLimit: input.perUserLimit,
          restartSchedule: input.restartSchedule,
          promoCondition: input.promoCondition,
          startsAt: new Date(input.startsAt),
        },
        clock.now(),
      );
    },

    // Newest first by id, a page at a time: every sale is reachable whatever their number.
    async list({ status, limit, cursor }) {
      const filter: mongo.Filter<Sale> = status ? statusFilter(status, clock.now()) : {};
      if (cursor !== undefined) filter._id = { $lt: new Types.ObjectId(decodeSalesCursor(cursor)) };
      const docs = (await sales
        .find(filter, { projection: VIEW_PROJECTION })
        .sort({ _id: -1 })
        .limit(limit + 1)
        .toArray()) as Sale[];
      const items = docs.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: docs.length > limit && last ? encodeSalesCursor(String(last._id)) : null };
    },

    async get(id) {
      const sale = await sales.findOne({ _id: id }, { projection: VIEW_PROJECTION });
      if (!sale) throw new AppError('NOT_FOUND', { message: 'No such sale' });
      return sale as Sale;
    },

    async openRound(id, input, receivedAt) {
      try {
        return await ledger.openRound(
          id,
          { startsAt: new Date(input.startsAt), units: input.units, force: input.force, receivedAt },
          clock.now(),
        );
      } finally {
        directory.forget(String(id));
      }
    },
  };
}
