import type { Connection, Types, mongo } from 'mongoose';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { productModel } from '../products/product.model';
import { saleModel, type Sale } from './sale.model';
import type { SaleDirectory } from './sale-directory';
import { salesCollection } from './sale-directory';
import { VIEW_PROJECTION } from './sale.projections';
import type { CreateSaleInput, OpenRoundInput } from './sales.schemas';
import type { SaleStatus } from './sale.view';
import { openRound } from './rounds';

/** Sales: created and restarted by admins, read by anyone. */
export interface SalesService {
  create(input: CreateSaleInput): Promise<Sale>;
  list(status: SaleStatus | undefined): Promise<Sale[]>;
  get(id: Types.ObjectId): Promise<Sale>;
  openRound(id: Types.ObjectId, input: OpenRoundInput): Promise<Sale>;
}

/** The filter that selects sales in a derived status at `now`. */
function statusFilter(status: SaleStatus, now: Date): mongo.Filter<Sale> {
  if (status === 'scheduled') return { startsAt: { $gt: now } };
  if (status === 'active') return { startsAt: { $lte: now }, remaining: { $gt: 0 } };
  return { startsAt: { $lte: now }, remaining: { $lte: 0 } };
}

/** Most sales one list answer holds (the contract has no paging for sales). */
const LIST_LIMIT = 1000;

/** Builds the sales service. */
export function createSalesService(
  connection: Connection,
  clock: Clock,
  directory: SaleDirectory,
): SalesService {
  const products = productModel(connection);
  const model = saleModel(connection);
  const sales = salesCollection(connection);

  return {
    async create(input) {
      const product = await products.findById(input.productId).lean();
      if (!product) throw new AppError('NOT_FOUND', { message: 'No such product' });
      const now = clock.now();
      const startsAt = new Date(input.startsAt);
      const sale = await model.create({
        productId: product._id,
        productName: product.name,
        price: input.price,
        currency: product.currency,
        units: input.units,
        perOrderLimit: input.perOrderLimit,
        perUserLimit: input.perUserLimit,
        restartSchedule: input.restartSchedule,
        promoCondition: input.promoCondition,
        round: 1,
        startsAt,
        remaining: input.units,
        sold: 0,
        orders: 0,
        version: 1,
        buyers: {},
        pending: {},
        seq: [],
        startedRound: startsAt.getTime() <= now.getTime() ? 1 : 0,
        lastScheduledRoundAt: null,
      });
      return sale.toObject();
    },

    async list(status) {
      const filter = status ? statusFilter(status, clock.now()) : {};
      return sales
        .find(filter, { projection: VIEW_PROJECTION })
        .sort({ startsAt: 1, _id: 1 })
        .limit(LIST_LIMIT)
        .toArray() as Promise<Sale[]>;
    },

    async get(id) {
      const sale = await sales.findOne({ _id: id }, { projection: VIEW_PROJECTION });
      if (!sale) throw new AppError('NOT_FOUND', { message: 'No such sale' });
      return sale as Sale;
    },

    async openRound(id, input) {
      const sale = await openRound(
        connection,
        id,
        { startsAt: new Date(input.startsAt), units: input.units, force: input.force },
        clock.now(),
      );
      directory.forget(String(id));
      // Without a schedule, openRound either opens the round or throws.
      return sale as Sale;
    },
  };
}
