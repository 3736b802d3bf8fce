import type { Connection } from 'mongoose';
import { saleModel } from '../sales/sale.model';
import type { SaleViewSource } from '../sales/sale.view';
import type { ReadLiveState } from './live-sales';
import { LIVE_FIELDS, stateFromDocument } from './sale-state';
import type { ReadSaleSnapshot } from './subscriptions';

/** The two reads of the gateway, on the app's connection; neither loads the buyers' tallies or the outbox. */
export function saleReaders(connection: Connection): {
  readSnapshot: ReadSaleSnapshot;
  readState: ReadLiveState;
} {
  const Sale = saleModel(connection);
  const liveProjection = Object.fromEntries(LIVE_FIELDS.map((f) => [f, 1]));
  return {
    readSnapshot: (saleId) => Sale.findById(saleId, { buyers: 0, pending: 0 }).lean<SaleViewSource>().exec(),
    readState: async (saleId) => {
      const doc = await Sale.findById(saleId, liveProjection).lean<Record<string, unknown>>().exec();
      return stateFromDocument(doc);
    },
  };
}
