import type { Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { productModel } from '../products/product.model';
import { saleModel } from './sale.model';

/** The demo sale starts this long after boot. */
const START_DELAY_MS = 60_000;
/** And restarts on this schedule (UTC). */
const RESTART_SCHEDULE = '*/5 * * * *';

/**
 * DEMO=true: on a database with no sale, create a demo product and a demo sale of 200 units starting about a
 * minute after boot and restarting every five minutes. Returns whether it created them.
 */
export async function seedDemo(connection: Connection, clock: Clock, logger: Logger): Promise<boolean> {
  const sales = saleModel(connection);
  if ((await sales.estimatedDocumentCount()) > 0) return false;
  const product = await productModel(connection).create({
    name: 'Limited edition sneakers',
    description: 'Demo product: 200 pairs per round at the flash price.',
    price: 12_000,
    currency: 'USD',
  });
  const startsAt = new Date(clock.now().getTime() + START_DELAY_MS);
  const sale = await sales.create({
    productId: product._id,
    productName: product.name,
    price: 4_900,
    currency: product.currency,
    units: 200,
    perOrderLimit: 2,
    perUserLimit: 2,
    restartSchedule: RESTART_SCHEDULE,
    promoCondition: { name: 'Flash price', description: 'While the round lasts, 2 pairs per person.' },
    round: 1,
    startsAt,
    remaining: 200,
    sold: 0,
    orders: 0,
    version: 1,
    buyers: {},
    pending: {},
    seq: [],
    startedRound: 0,
    lastScheduledRoundAt: null,
  });
  logger.info('demo sale created', { saleId: String(sale._id), startsAt: startsAt.toISOString() });
  return true;
}
