import type { Connection, mongo } from 'mongoose';
import type { Purchase } from './purchase.model';

/** The native `purchases` collection, for the hot paths. */
export function purchasesCollection(connection: Connection): mongo.Collection<Purchase> {
  if (!connection.db) throw new Error('the database connection is not open');
  return connection.db.collection<Purchase>('purchases');
}
