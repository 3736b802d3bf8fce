/**
 * Every write to the data goes through here: committed (auto-commit) writes, transactional writes into an
 * overlay, commit and abort, drops. It owns the document locks and unique-key reservations of active
 * transactions, the memory bound and the commit version, and appends the oplog.
 */
import { Codes, MongoError, mongoError } from '../errors';
import type { Rec } from './btree-index';
import { bsonSize } from './bson-size';
import { Catalog } from './catalog';
import { duplicateKeyError, type Collection, type IndexKeys } from './collection';
import { MAX_DOC_BYTES, validateForStorage } from './doc-validate';
import { fieldSize } from './bson-size';
import { Oplog } from './oplog';
import type { Overlay } from './planner';
import { Transaction, type PendingEntry } from './transaction';
import type { Doc, EngineOptions, OplogEntry } from './types';
import type { UpdateOutcome } from './update';
import { valueKey } from './value-key';

/**
 * Thrown by a non-transactional write that touches a document (or unique key) an active transaction wrote:
 * MongoDB makes such a write wait for the transaction to end. Await `wait`, then run the command again.
 */
export class RetryWhenUnlocked extends Error {
  constructor(readonly wait: Promise<void>) {
    super('a document this write touches is locked by an active transaction');
    this.name = 'RetryWhenUnlocked';
  }
}

const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

/** Top-level fields an operator update changed (undefined for replacements: everything may have). */
function changedTopFields(outcome: UpdateOutcome): Set<string> | undefined {
  const d = outcome.description;
  if (outcome.kind !== 'update' || !d) return undefined;
  const out = new Set<string>();
  for (const p in d.updatedFields) out.add(topOf(p));
  for (const p of d.removedFields) out.add(topOf(p));
  for (const t of d.truncatedArrays) out.add(topOf(String(t.field)));
  return out;
}

function topOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

/** BSON size of the new version from the old size and the changed top-level fields (16 MB checked). */
function sizeAfterUpdate(oldSize: number, old: Doc, next: Doc, changedTop: Set<string>): number {
  let size = oldSize;
  for (const k of changedTop) {
    if (k in old) size -= fieldSize(k, old[k]);
    if (k in next) size += fieldSize(k, next[k]);
  }
  if (size > MAX_DOC_BYTES) return validateForStorage(next);
  return size;
}

function noSuchTransaction(): MongoError {
  return mongoError('NoSuchTransaction', 'Transaction has been aborted.', ['TransientTransactionError']);
}

/** Data, locks, memory and oplog of one engine; all writes go through it. */
export class Store {
  readonly catalog = new Catalog();
  readonly oplog: Oplog;
  readonly maxBytes: number;
  /** BSON bytes of all committed documents. */
  bytes = 0;
  /** Incremented by every commit; records carry the version that last wrote them. */
  version = 0;
  private txnIds = 0;
  private readonly active = new Set<Transaction>();
  private readonly locks = new Map<string, Transaction>();
  private readonly reservations = new Map<string, Transaction>();

  constructor(opts: EngineOptions = {}) {
    this.oplog = new Oplog(opts.oplogSize ?? 100_000);
    this.maxBytes = opts.maxMemoryBytes ?? DEFAULT_MAX_BYTES;
  }

  // ---- shared checks -------------------------------------------------------------------------------------

  private memoryCheck(growth: number): void {
    if (growth > 0 && this.bytes + growth > this.maxBytes)
      throw new MongoError(
        Codes.ExceededMemoryLimit,
        'ExceededMemoryLimit',
        `Write would exceed the embedded server's memory limit of ${this.maxBytes} bytes (${this.bytes} in use)`,
      );
  }

  /** Reservation keys of a document's tuples in the unique secondary indexes. */
  private reservationKeys(coll: Collection, keys: IndexKeys): string[] {
    const out: string[] = [];
    for (const [ix, tuples] of keys) {
      if (!ix.unique || ix.name === '_id_' || !tuples) continue;
      for (const t of tuples) out.push(`${coll.ns}\0${ix.name}\0${valueKey(t)}`);
    }
    return out;
  }

  private lockedBy(key: string): Transaction | undefined {
    const t = this.locks.get(key);
    return t && t.state === 'active' ? t : undefined;
  }

  /** Non-transactional writers wait for a transaction that holds the document or one of its unique keys. */
  private waitIfLocked(coll: Collection, idk: string, keys?: IndexKeys): void {
    const holder = this.lockedBy(`${coll.ns}\0${idk}`);
    if (holder) throw new RetryWhenUnlocked(holder.ended());
    if (!keys) return;
    for (const k of this.reservationKeys(coll, keys)) {
      const t = this.reservations.get(k);
      if (t && t.state === 'active') throw new RetryWhenUnlocked(t.ended());
    }
  }

  /**
   * A unique-key clash with a document an active transaction holds is not final (the transaction may move it
   * away): the writer waits for the transaction, as MongoDB's would, instead of failing with 11000.
   */
  private waitOnLockedClash(coll: Collection): (rec: Rec) => boolean {
    return (rec) => {
      const holder = this.lockedBy(`${coll.ns}\0${rec.idk}`);
      if (holder) throw new RetryWhenUnlocked(holder.ended());
      return false;
    };
  }

  private appendCommitted(e: Omit<OplogEntry, 'seq' | 'ts' | 'wallTime'>): void {
    const entry = e as OplogEntry;
    entry.wallTime = new Date();
    entry.ts = this.oplog.nextTime(entry.wallTime.getTime());
    this.oplog.append([entry]);
  }

  // ---- auto-commit writes ---------------------------------------------------------------------------------

  /** RetryWhenUnlocked when any of these documents is locked: multi-document statements check before writing. */
  assertUnlocked(db: string, name: string, docs: Doc[]): void {
    const ns = `${db}.${name}`;
    for (const d of docs) {
      const holder = this.lockedBy(`${ns}\0${valueKey(d._id)}`);
      if (holder) throw new RetryWhenUnlocked(holder.ended());
    }
  }

  insert(db: string, name: string, doc: Doc): void {
    const coll = this.catalog.ensure(db, name);
    const size = validateForStorage(doc);
    const idk = valueKey(doc._id);
    const keys = coll.keysFor(doc);
    this.waitIfLocked(coll, idk, keys);
    coll.checkUnique(keys, 0, this.waitOnLockedClash(coll));
    this.memoryCheck(size);
    coll.insertRec(idk, doc, size, ++this.version, keys);
    this.bytes += size;
    this.appendCommitted({
      op: 'insert',
      ns: { db, coll: name },
      documentKey: { _id: doc._id },
      fullDocument: doc,
    });
  }

  update(db: string, name: string, old: Doc, outcome: UpdateOutcome): void {
    const coll = this.catalog.get(db, name);
    const rec = coll?.recs.get(valueKey(old._id));
    if (!coll || !rec) return;
    this.waitIfLocked(coll, rec.idk);
    if (!outcome.changed) return;
    const changedTop = changedTopFields(outcome);
    const size = changedTop
      ? sizeAfterUpdate(rec.size, rec.doc, outcome.doc, changedTop)
      : validateForStorage(outcome.doc);
    const keys = coll.keysFor(outcome.doc, changedTop);
    this.waitIfLocked(coll, rec.idk, keys);
    coll.checkUnique(keys, rec.rid, this.waitOnLockedClash(coll));
    this.memoryCheck(size - rec.size);
    this.bytes += size - rec.size;
    coll.replaceRec(rec, outcome.doc, size, ++this.version, keys);
    this.appendCommitted({
      op: outcome.kind,
      ns: { db, coll: name },
      documentKey: { _id: outcome.doc._id },
      // Updates keep no post-image: a hot document's versions would otherwise pin one copy per oplog entry.
      ...(outcome.kind === 'update'
        ? { updateDescription: outcome.description }
        : { fullDocument: outcome.doc }),
    });
  }

  remove(db: string, name: string, doc: Doc): void {
    const coll = this.catalog.get(db, name);
    const rec = coll?.recs.get(valueKey(doc._id));
    if (!coll || !rec) return;
    this.waitIfLocked(coll, rec.idk);
    coll.deleteRec(rec);
    this.bytes -= rec.size;
    this.version++;
    this.appendCommitted({ op: 'delete', ns: { db, coll: name }, documentKey: { _id: doc._id } });
  }

  // ---- transactions ---------------------------------------------------------------------------------------

  begin(): Transaction {
    const txn = new Transaction(++this.txnIds, this.version);
    this.active.add(txn);
    return txn;
  }

  private conflict(txn: Transaction): never {
    this.abort(txn);
    throw new MongoError(
      Codes.WriteConflict,
      'WriteConflict',
      'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
      ['TransientTransactionError'],
    );
  }

  /** Runs a transactional write; any failure aborts the transaction (as MongoDB does). */
  private inTxn(txn: Transaction, write: () => void): void {
    if (txn.state !== 'active') throw noSuchTransaction();
    try {
      write();
    } catch (e) {
      this.abort(txn);
      throw e;
    }
  }

  /** Takes the document lock; WriteConflict when another transaction holds it or it changed since begin. */
  private acquire(
    txn: Transaction,
    coll: Collection,
    idk: string,
    rec: Rec | undefined,
    overlay: Overlay,
  ): void {
    const key = `${coll.ns}\0${idk}`;
    const holder = this.lockedBy(key);
    if (holder === txn) return;
    if (holder) this.conflict(txn);
    if (rec && rec.version > txn.startVersion && !overlay.has(idk)) this.conflict(txn);
    this.locks.set(key, txn);
    txn.locks.add(key);
  }

  private reserve(txn: Transaction, coll: Collection, keys: IndexKeys): void {
    const wanted = this.reservationKeys(coll, keys);
    for (const k of wanted) {
      const t = this.reservations.get(k);
      if (t && t !== txn && t.state === 'active') this.conflict(txn);
    }
    for (const k of wanted) {
      this.reservations.set(k, txn);
      txn.reservations.add(k);
    }
  }

  /** Unique checks for a transaction's new version: committed state minus what it overrides, plus its own writes. */
  private checkUniqueInTxn(
    coll: Collection,
    overlay: Overlay,
    idk: string,
    keys: IndexKeys,
    selfRid: number,
  ): void {
    coll.checkUnique(keys, selfRid, (r) => overlay.has(r.idk));
    for (const [ix, tuples] of keys) {
      if (!ix.unique || ix.name === '_id_' || !tuples) continue;
      const mine = new Set(tuples.map(valueKey));
      for (const [otherIdk, other] of overlay) {
        if (!other || otherIdk === idk) continue;
        const clash = ix.keysOf(other)?.find((t) => mine.has(valueKey(t)));
        if (clash) throw duplicateKeyError(coll.ns, ix, clash);
      }
    }
  }

  private visibleSize(coll: Collection, overlay: Overlay, idk: string): number {
    if (overlay.has(idk)) {
      const d = overlay.get(idk);
      return d ? bsonSize(d) : 0;
    }
    return coll.recs.get(idk)?.size ?? 0;
  }

  txnInsert(txn: Transaction, db: string, name: string, doc: Doc): void {
    this.inTxn(txn, () => {
      const coll = this.catalog.ensure(db, name);
      const overlay = txn.overlayFor(coll.ns);
      const size = validateForStorage(doc);
      const idk = valueKey(doc._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, undefined, overlay);
      const visible = overlay.has(idk) ? overlay.get(idk) : rec?.doc;
      const keys = coll.keysFor(doc);
      if (visible) throw duplicateKeyError(coll.ns, coll.indexes.get('_id_')!, [doc._id]);
      this.checkUniqueInTxn(coll, overlay, idk, keys, rec?.rid ?? 0);
      this.reserve(txn, coll, keys);
      this.memoryCheck(txn.bytesDelta + size);
      overlay.set(idk, doc);
      txn.bytesDelta += size;
      txn.entries.push({
        op: 'insert',
        ns: { db, coll: name },
        documentKey: { _id: doc._id },
        fullDocument: doc,
      });
    });
  }

  txnUpdate(txn: Transaction, db: string, name: string, old: Doc, outcome: UpdateOutcome): void {
    this.inTxn(txn, () => {
      if (!outcome.changed) return;
      const coll = this.catalog.ensure(db, name);
      const overlay = txn.overlayFor(coll.ns);
      const idk = valueKey(old._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, rec, overlay);
      const size = validateForStorage(outcome.doc);
      const keys = coll.keysFor(outcome.doc, changedTopFields(outcome));
      this.checkUniqueInTxn(coll, overlay, idk, keys, rec?.rid ?? 0);
      this.reserve(txn, coll, keys);
      const growth = size - this.visibleSize(coll, overlay, idk);
      this.memoryCheck(txn.bytesDelta + growth);
      overlay.set(idk, outcome.doc);
      txn.bytesDelta += growth;
      txn.entries.push({
        op: outcome.kind,
        ns: { db, coll: name },
        documentKey: { _id: outcome.doc._id },
        fullDocument: outcome.doc,
        ...(outcome.kind === 'update' ? { updateDescription: outcome.description } : {}),
      });
    });
  }

  txnRemove(txn: Transaction, db: string, name: string, doc: Doc): void {
    this.inTxn(txn, () => {
      const coll = this.catalog.ensure(db, name);
      const overlay = txn.overlayFor(coll.ns);
      const idk = valueKey(doc._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, rec, overlay);
      txn.bytesDelta -= this.visibleSize(coll, overlay, idk);
      overlay.set(idk, null);
      txn.entries.push({ op: 'delete', ns: { db, coll: name }, documentKey: { _id: doc._id } });
    });
  }

  /** Applies every write of the transaction at once and appends its oplog entries (one cluster time). */
  commit(txn: Transaction, meta: { lsid?: Doc; txnNumber?: number } = {}): void {
    if (txn.state === 'committed') return;
    if (txn.state !== 'active') throw noSuchTransaction();
    const plan: { coll: Collection; overlay: Overlay }[] = [];
    try {
      for (const [ns, overlay] of txn.writes) {
        const [db, ...rest] = ns.split('.');
        const coll = this.catalog.ensure(db, rest.join('.'));
        for (const [idk, doc] of overlay) {
          if (!doc) continue;
          const rec = coll.recs.get(idk);
          coll.checkUnique(coll.keysFor(doc), rec?.rid ?? 0, (r) => overlay.has(r.idk));
        }
        plan.push({ coll, overlay });
      }
      this.memoryCheck(txn.bytesDelta);
    } catch (e) {
      this.abort(txn);
      throw e;
    }
    const version = ++this.version;
    for (const { coll, overlay } of plan) {
      for (const [idk, doc] of overlay) {
        const rec = coll.recs.get(idk);
        if (!doc) {
          if (rec) {
            coll.deleteRec(rec);
            this.bytes -= rec.size;
          }
          continue;
        }
        const size = bsonSize(doc);
        if (rec) {
          this.bytes += size - rec.size;
          coll.replaceRec(rec, doc, size, version);
        } else {
          coll.insertRec(idk, doc, size, version);
          this.bytes += size;
        }
      }
    }
    this.release(txn, 'committed');
    const wallTime = new Date();
    const ts = this.oplog.nextTime(wallTime.getTime());
    const extra: Partial<OplogEntry> = {};
    if (meta.lsid) extra.lsid = meta.lsid;
    if (meta.txnNumber !== undefined) extra.txnNumber = meta.txnNumber;
    this.oplog.append(txn.entries.map((e: PendingEntry) => ({ ...e, ts, wallTime, ...extra })));
  }

  abort(txn: Transaction): void {
    if (txn.state !== 'active') return;
    this.release(txn, 'aborted');
  }

  private release(txn: Transaction, state: 'committed' | 'aborted'): void {
    for (const k of txn.locks) if (this.locks.get(k) === txn) this.locks.delete(k);
    for (const k of txn.reservations) if (this.reservations.get(k) === txn) this.reservations.delete(k);
    this.active.delete(txn);
    txn.finish(state);
  }

  // ---- catalog changes ------------------------------------------------------------------------------------

  /** Drops a collection (aborting transactions that wrote to it); undefined when it did not exist. */
  dropCollection(db: string, name: string): Collection | undefined {
    const coll = this.catalog.drop(db, name);
    if (!coll) return undefined;
    for (const txn of [...this.active]) if (txn.writes.has(coll.ns)) this.abort(txn);
    this.bytes -= coll.bytes;
    this.version++;
    this.appendCommitted({ op: 'drop', ns: { db, coll: name } });
    return coll;
  }

  dropDatabase(db: string): void {
    const colls = this.catalog.collections(db);
    for (const c of colls) this.dropCollection(db, c.name);
    this.appendCommitted({ op: 'dropDatabase', ns: { db } });
  }
}
