import { Types, type Connection } from 'mongoose';
import { salesReader, VIEW_PROJECTION } from '../ledger';
import type { SaleViewSource } from '../sales/sale.view';
import type { ReadLiveState } from './live-sales';
import { LIVE_FIELDS, stateFromDocument } from './sale-state';
import type { ReadSaleSnapshot } from './subscriptions';

/** The two reads of the gateway, on the app's connection; neither loads the ledger's maps or the outbox. */
export function saleReaders(connection: Connection): {
  readSnapshot: ReadSaleSnapshot;
  readState: ReadLiveState;
} {
  const sales = salesReader(connection);
  const liveProjection = Object.fromEntries(LIVE_FIELDS.map((f) => [f, 1]));
  return {
    readSnapshot: async (saleId) => {
      if (!Types.ObjectId.isValid(saleId)) return null;
      const doc = await sales.findOne({ _id: new Types.ObjectId(saleId) }, { projection: VIEW_PROJECTION });
      return doc as SaleViewSource | null;
    },
    readState: async (saleId) => {
      if (!Types.ObjectId.isValid(saleId)) return null;
      const doc = await sales.findOne({ _id: new Types.ObjectId(saleId) }, { projection: liveProjection });
      return stateFromDocument(doc as Record<string, unknown> | null);
    },
  };
}
