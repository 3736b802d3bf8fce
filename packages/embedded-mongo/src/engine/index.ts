/**
 * The storage engine of the embedded MongoDB-compatible server: catalog, documents, indexes, transactions and
 * the oplog. Everything is synchronous: one JavaScript turn is one atomic step.
 */
import { deepCopy } from './clone';
import { CollView } from './coll-view';
import type { Catalog } from './catalog';
import type { Oplog } from './oplog';
import { Ddl } from './ddl';
import { RetryWhenUnlocked, Store, type WriteOptions } from './store';
import { Transaction } from './transaction';
import type { Doc, EngineOptions } from './types';
import { valueKey } from './value-key';

export { Oplog } from './oplog';
export { RetryWhenUnlocked, Transaction };
export type { CollView, WriteOptions };
export type { CreatedIndexes } from './ddl';

/** The storage engine: the API the server layer (wire, sessions, cursors, change streams) uses. */
export class Engine {
  private readonly store: Store;
  /** Catalog changes: create, indexes, rename, collMod, `$out`. */
  readonly ddl: Ddl;

  constructor(opts: EngineOptions = {}) {
    this.store = new Store(opts);
    this.ddl = new Ddl(this.store);
  }

  /** The log of committed writes (change streams read it). */
  get oplog(): Oplog {
    return this.store.oplog;
  }

  /** Starts a transaction: it reads committed state plus its own writes. */
  beginTransaction(): Transaction {
    return this.store.begin();
  }

  /** Applies all of the transaction's writes atomically and appends their oplog entries (one cluster time). */
  commitTransaction(txn: Transaction, meta?: { lsid?: Doc; txnNumber?: number }): void {
    this.store.commit(txn, meta);
  }

  /** Discards the transaction's writes and releases its locks (no-op once ended). */
  abortTransaction(txn: Transaction): void {
    this.store.abort(txn);
  }

  /** False once the transaction was committed or aborted (e.g. by a WriteConflict). */
  isActive(txn: Transaction): boolean {
    return txn.state === 'active';
  }

  /** A copy of the committed document with this `_id`. */
  findById(db: string, coll: string, id: unknown): Doc | undefined {
    const rec = this.store.catalog.get(db, coll)?.recs.get(valueKey(id));
    return rec ? deepCopy(rec.doc) : undefined;
  }

  /**
   * Runs `read` on the committed document with this `_id` itself, without copying it (`read` must neither
   * change it nor keep a reference); undefined when there is none.
   */
  readById<T>(db: string, coll: string, id: unknown, read: (doc: Doc) => T): T | undefined {
    const rec = this.store.catalog.get(db, coll)?.recs.get(valueKey(id));
    return rec ? read(rec.doc) : undefined;
  }

  /** BSON bytes of all committed documents. */
  memoryUsage(): number {
    return this.store.bytes;
  }

  /** The memory bound (maxMemoryBytes). */
  get maxMemoryBytes(): number {
    return this.store.maxBytes;
  }

  /** A collection as seen by a command (inside `txn` when given; `opts` apply to its writes). */
  view(db: string, coll: string, txn?: Transaction, opts?: WriteOptions): CollView {
    return new CollView(this.store, db, coll, txn, opts);
  }

  /** Databases and collections. */
  get catalog(): Catalog {
    return this.store.catalog;
  }

  /** Drops a collection (oplog `drop`); false when it did not exist. */
  dropCollection(db: string, coll: string): boolean {
    return this.store.dropCollection(db, coll) !== undefined;
  }

  /** Drops every collection of a database (oplog `drop` per collection, then `dropDatabase`). */
  dropDatabase(db: string): void {
    this.store.dropDatabase(db);
  }
}
