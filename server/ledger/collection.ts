import type { Connection, mongo } from 'mongoose';
import type { Sale } from './sale.model';

/** The native `sales` collection. Only the ledger holds it with its write methods. */
export function salesCollection(connection: Connection): mongo.Collection<Sale> {
  if (!connection.db) throw new Error('the database connection is not open');
  return connection.db.collection<Sale>('sales');
}

/** What the rest of the app may do with `sales`: read and watch, never write. */
export type SalesReader = Pick<
  mongo.Collection<Sale>,
  'find' | 'findOne' | 'countDocuments' | 'watch' | 'collectionName'
>;

/** Read access to `sales` for every module outside the ledger. */
export function salesReader(connection: Connection): SalesReader {
  return salesCollection(connection);
}
