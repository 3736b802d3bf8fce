/**
 * Every write to the data goes through here: committed (auto-commit) writes, transactional writes into an
 * overlay, commit and abort, drops. It owns the document locks and unique-key reservations of active
 * transactions, the before images their snapshots read, the memory bound and the commit version, and appends
 * the oplog. Catalog changes (create, indexes, rename, collMod, `$out`) are in ddl.ts.
 */
import { Codes, MongoError, mongoError } from '../errors';
import type { Rec } from './btree-index';
import { bsonSize } from './bson-size';
import { Catalog, checkNamespace, notOnView } from './catalog';
import { Collection, duplicateKeyError, type IndexKeys } from './collection';
import { MAX_DOC_BYTES, validateForStorage } from './doc-validate';
import { sizeDelta } from './size-delta';
import { defaultMaxMemoryBytes } from './memory-bound';
import { Oplog } from './oplog';
import type { Overlay } from './planner';
import { SnapshotHistory } from './snapshots';
import { Transaction, type PendingEntry } from './transaction';
import type { Doc, EngineOptions, OplogEntry } from './types';
import { isIndexSegment } from './paths';
import type { InPlaceRules, UndoLog, UpdateDescription, UpdateOutcome } from './update';
import { validateDocument } from './validation';
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

/** Per-write options a command passes down. */
export interface WriteOptions {
  /** `bypassDocumentValidation`: skip the collection's validator. */
  bypassValidation?: boolean;
}

/** An oplog entry before the commit gives it a sequence number and a time. */
export type NewEntry = Omit<OplogEntry, 'seq' | 'ts' | 'wallTime'>;

/** Versions kept for open transactions' snapshots before the oldest transaction is aborted. */
export const MAX_KEPT_VERSIONS = 20_000;

/** `{_id: 1}` as create events describe the collection's `_id` index. */
export const ID_INDEX = { v: 2, key: { _id: 1 }, name: '_id_' };

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

/**
 * BSON size of the new version of an operator update from the old size, measuring its changed paths only (see
 * size-delta.ts); 16 MB checked.
 */
function sizeAfterUpdate(oldSize: number, old: Doc, next: Doc, d: UpdateDescription, undo?: UndoLog): number {
  const size = oldSize + sizeDelta(old, next, changedPaths(d), undo);
  return size > MAX_DOC_BYTES ? validateForStorage(next) : size;
}

/** The BSON size of an update's new version: measured on the changed paths when it can be, else whole. */
function sizeOfUpdate(oldSize: number, old: Doc, outcome: UpdateOutcome): number {
  return outcome.splitPaths && outcome.description
    ? sizeAfterUpdate(oldSize, old, outcome.doc, outcome.description, outcome.undo)
    : validateForStorage(outcome.doc);
}

/** True for a dotted path with an array-index-like segment (sub-documents in arrays are never changed in place). */
function throughArray(path: string): boolean {
  for (const seg of path.split('.')) if (isIndexSegment(seg)) return true;
  return false;
}

function* changedPaths(d: UpdateDescription): Iterable<string> {
  for (const p in d.updatedFields) yield p;
  yield* d.removedFields;
  for (const t of d.truncatedArrays) yield String(t.field);
}

/** Whether the collection keeps pre- and post-images for change streams (collMod changeStreamPreAndPostImages). */
function keepsImages(coll: Collection): boolean {
  return coll.options.changeStreamPreAndPostImages?.enabled === true;
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
  /** Open transactions (a catalog change aborts the ones that wrote to its collections). */
  readonly active = new Set<Transaction>();
  private readonly locks = new Map<string, Transaction>();
  private readonly reservations = new Map<string, Transaction>();
  private readonly history = new SnapshotHistory();

  constructor(opts: EngineOptions = {}) {
    this.oplog = new Oplog(opts.oplogSize ?? 100_000);
    this.maxBytes = opts.maxMemoryBytes ?? defaultMaxMemoryBytes();
  }

  // ---- shared checks -------------------------------------------------------------------------------------

  /** ExceededMemoryLimit (146) when `growth` more bytes would pass the bound. */
  memoryCheck(growth: number): void {
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

  /** Appends the entries of one commit (fresh objects, completed in place): one cluster time and wall time. */
  appendCommitted(...entries: NewEntry[]): void {
    const wallTime = new Date();
    const ts = this.oplog.nextTime(wallTime.getTime());
    for (const e of entries) {
      (e as OplogEntry).ts = ts;
      (e as OplogEntry).wallTime = wallTime;
    }
    this.oplog.append(entries as OplogEntry[]);
  }

  /**
   * Keeps the version a commit replaces while a transaction (other than `committer`) may need to read it. Past
   * MAX_KEPT_VERSIONS, the oldest open transactions are aborted (their next statement gets the transient
   * NoSuchTransaction, so withTransaction retries) rather than letting old versions grow the heap unbounded:
   * a transaction left open during a rush on a hot document would otherwise pin every version of it.
   */
  private keepBefore(
    ns: string,
    idk: string,
    before: Doc | null,
    version: number,
    committer?: Transaction,
  ): void {
    const readers = this.active.size - (committer && this.active.has(committer) ? 1 : 0);
    if (readers === 0) return;
    this.history.record(version, ns, idk, before);
    while (this.history.size > MAX_KEPT_VERSIONS) {
      let oldest: Transaction | undefined;
      for (const t of this.active)
        if (t !== committer && (!oldest || t.startVersion < oldest.startVersion)) oldest = t;
      if (!oldest) break;
      this.abort(oldest);
    }
  }

  /** The committed collection, created (with its `create` oplog entry) on first use. */
  ensureCollection(db: string, name: string): Collection {
    const existing = this.catalog.get(db, name);
    if (existing) return existing;
    const coll = this.catalog.ensure(db, name);
    this.appendCommitted(createEntry(coll));
    return coll;
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

  insert(db: string, name: string, doc: Doc, opts: WriteOptions = {}): void {
    const coll = this.ensureCollection(db, name);
    const size = validateForStorage(doc);
    if (!opts.bypassValidation) validateDocument(coll, doc);
    const idk = valueKey(doc._id);
    const keys = coll.keysFor(doc);
    this.waitIfLocked(coll, idk, keys);
    coll.checkUnique(keys, 0, this.waitOnLockedClash(coll));
    this.memoryCheck(size);
    coll.insertRec(idk, doc, size, ++this.version, keys);
    this.keepBefore(coll.ns, idk, null, this.version);
    this.bytes += size;
    this.appendCommitted({
      op: 'insert',
      ns: { db, coll: name },
      uuid: coll.uuid,
      documentKey: { _id: doc._id },
      fullDocument: doc,
    });
  }

  /**
   * What an auto-commit update of the committed `doc` may change in place (see update/in-place.ts); undefined
   * when it must copy everything it changes: while a transaction is open (its snapshot may need the version
   * being replaced), when the oplog keeps full images, or when a moderate validator must judge the old version.
   * Within that, only sub-documents the record owns, outside arrays, that no index reads.
   */
  inPlaceRules(db: string, name: string, doc: Doc): InPlaceRules | undefined {
    const coll = this.catalog.get(db, name);
    const rec = coll?.recs.get(valueKey(doc._id));
    if (!coll || !rec || rec.doc !== doc || !rec.owned || this.active.size > 0 || keepsImages(coll))
      return undefined;
    if (coll.options.validator && coll.options.validationLevel === 'moderate') return undefined;
    const owned = rec.owned;
    return { mayChange: (c, path) => owned.has(c) && !throughArray(path) && !coll.indexReads(path) };
  }

  /** Stores an update's new version; on any failure, first undoes what the update changed in place. */
  update(db: string, name: string, old: Doc, outcome: UpdateOutcome, opts: WriteOptions = {}): void {
    try {
      this.storeUpdate(db, name, old, outcome, opts);
    } catch (e) {
      outcome.undo?.undo();
      throw e;
    }
  }

  private storeUpdate(db: string, name: string, old: Doc, outcome: UpdateOutcome, opts: WriteOptions): void {
    const coll = this.catalog.get(db, name);
    const rec = coll?.recs.get(valueKey(old._id));
    if (!coll || !rec) return;
    this.waitIfLocked(coll, rec.idk);
    if (!outcome.changed) {
      // Nothing changed, but a copy may have replaced an equal sub-document in place: put the original back.
      outcome.undo?.undo();
      return;
    }
    const changedTop = changedTopFields(outcome);
    // A diffed update (pipeline) may name fields that contain dots, which no path walk can tell apart: measured whole.
    const size = sizeOfUpdate(rec.size, rec.doc, outcome);
    if (!opts.bypassValidation) validateDocument(coll, outcome.doc, rec.doc);
    const keys = coll.keysFor(outcome.doc, changedTop);
    this.waitIfLocked(coll, rec.idk, keys);
    coll.checkUnique(keys, rec.rid, this.waitOnLockedClash(coll));
    this.memoryCheck(size - rec.size);
    this.bytes += size - rec.size;
    const before = rec.doc;
    coll.replaceRec(rec, outcome.doc, size, ++this.version, keys, this.ownedAfter(coll, rec, outcome));
    this.keepBefore(coll.ns, rec.idk, before, this.version);
    this.appendCommitted(updateEntry(coll, outcome, before));
  }

  /**
   * The containers the new version alone holds after an operator update: those it held before plus the copies
   * the update made. None when the oplog keeps the whole new version (images), or a `$rename` moved a value
   * into the update description (which the oplog keeps).
   */
  private ownedAfter(coll: Collection, rec: Rec, outcome: UpdateOutcome): WeakSet<object> | undefined {
    if (!outcome.fresh || outcome.moved || keepsImages(coll)) return undefined;
    const owned = rec.owned ?? new WeakSet<object>();
    for (const c of outcome.fresh) owned.add(c);
    return owned;
  }

  remove(db: string, name: string, doc: Doc): void {
    const coll = this.catalog.get(db, name);
    const rec = coll?.recs.get(valueKey(doc._id));
    if (!coll || !rec) return;
    this.waitIfLocked(coll, rec.idk);
    coll.deleteRec(rec);
    this.bytes -= rec.size;
    this.version++;
    this.keepBefore(coll.ns, rec.idk, rec.doc, this.version);
    this.appendCommitted(deleteEntry(coll, rec.doc));
  }

  // ---- transactions ---------------------------------------------------------------------------------------

  begin(): Transaction {
    const txn = new Transaction(++this.txnIds, this.version);
    this.active.add(txn);
    return txn;
  }

  /**
   * What a transaction's reads see of `ns` besides the committed state: the documents changed since its
   * snapshot (as they were then), overridden by its own writes.
   */
  overlayFor(txn: Transaction, ns: string): Overlay | undefined {
    const own = txn.overlay(ns);
    const snapshot = this.history.size > 0 ? this.history.asOf(ns, txn.startVersion) : undefined;
    if (!snapshot) return own;
    if (own) for (const [idk, doc] of own) snapshot.set(idk, doc);
    return snapshot;
  }

  /** The collection a transaction writes to: committed, or one it created itself (pending until commit). */
  txnCollection(txn: Transaction, db: string, name: string): Collection {
    const committed = this.catalog.get(db, name);
    if (committed) return committed;
    const ns = `${db}.${name}`;
    let coll = txn.newCollections.get(ns);
    if (!coll) {
      checkNamespace(db, name);
      if (this.catalog.view(db, name)) throw notOnView(db, name);
      coll = new Collection(db, name, {});
      txn.newCollections.set(ns, coll);
      txn.entries.push(createEntry(coll));
    }
    return coll;
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
  inTxn(txn: Transaction, write: () => void): void {
    if (txn.state !== 'active') throw noSuchTransaction();
    try {
      write();
    } catch (e) {
      this.abort(txn);
      throw e;
    }
  }

  /**
   * Takes the document lock; WriteConflict when another transaction holds it, or when a commit changed the
   * document (inserted, updated or deleted it) after this transaction's snapshot.
   */
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
    if (!overlay.has(idk)) {
      const changed = rec
        ? rec.version > txn.startVersion
        : this.history.changedSince(coll.ns, idk, txn.startVersion);
      if (changed) this.conflict(txn);
    }
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
      const mine = new Set(tuples.map((t) => valueKey(t)));
      for (const [otherIdk, other] of overlay) {
        if (!other || otherIdk === idk) continue;
        const clash = ix.keysOf(other)?.find((t) => mine.has(valueKey(t)));
        if (clash) throw duplicateKeyError(coll.ns, ix, clash);
      }
    }
  }

  /** The version of a document the transaction sees before its write (its own, else the committed one). */
  private visibleBefore(coll: Collection, overlay: Overlay, idk: string): Doc | undefined {
    if (overlay.has(idk)) return overlay.get(idk) ?? undefined;
    return coll.recs.get(idk)?.doc;
  }

  private visibleSize(txn: Transaction, coll: Collection, overlay: Overlay, idk: string): number {
    if (overlay.has(idk)) {
      const d = overlay.get(idk);
      return d ? (txn.sizes.get(`${coll.ns}\0${idk}`) ?? bsonSize(d)) : 0;
    }
    return coll.recs.get(idk)?.size ?? 0;
  }

  txnInsert(txn: Transaction, db: string, name: string, doc: Doc, opts: WriteOptions = {}): void {
    this.inTxn(txn, () => {
      const coll = this.txnCollection(txn, db, name);
      const overlay = txn.overlayFor(coll.ns);
      const size = validateForStorage(doc);
      if (!opts.bypassValidation) validateDocument(coll, doc);
      const idk = valueKey(doc._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, rec, overlay);
      const keys = coll.keysFor(doc);
      if (this.visibleBefore(coll, overlay, idk))
        throw duplicateKeyError(coll.ns, coll.indexes.get('_id_')!, [doc._id]);
      this.checkUniqueInTxn(coll, overlay, idk, keys, rec?.rid ?? 0);
      this.reserve(txn, coll, keys);
      this.memoryCheck(txn.bytesDelta + size);
      overlay.set(idk, doc);
      txn.sizes.set(`${coll.ns}\0${idk}`, size);
      txn.bytesDelta += size;
      txn.entries.push({
        op: 'insert',
        ns: { db, coll: name },
        uuid: coll.uuid,
        documentKey: { _id: doc._id },
        fullDocument: doc,
      });
    });
  }

  txnUpdate(
    txn: Transaction,
    db: string,
    name: string,
    old: Doc,
    outcome: UpdateOutcome,
    opts: WriteOptions = {},
  ): void {
    this.inTxn(txn, () => {
      if (!outcome.changed) return;
      const coll = this.txnCollection(txn, db, name);
      const overlay = txn.overlayFor(coll.ns);
      const idk = valueKey(old._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, rec, overlay);
      const before = this.visibleBefore(coll, overlay, idk);
      const oldSize = this.visibleSize(txn, coll, overlay, idk);
      // Measured from the version the update was applied to (the visible one: else acquire() conflicted).
      const size = before === old ? sizeOfUpdate(oldSize, old, outcome) : validateForStorage(outcome.doc);
      if (!opts.bypassValidation) validateDocument(coll, outcome.doc, before);
      const keys = coll.keysFor(outcome.doc, changedTopFields(outcome));
      this.checkUniqueInTxn(coll, overlay, idk, keys, rec?.rid ?? 0);
      this.reserve(txn, coll, keys);
      const growth = size - oldSize;
      this.memoryCheck(txn.bytesDelta + growth);
      overlay.set(idk, outcome.doc);
      txn.sizes.set(`${coll.ns}\0${idk}`, size);
      txn.bytesDelta += growth;
      txn.entries.push(updateEntry(coll, outcome, before ?? old));
    });
  }

  txnRemove(txn: Transaction, db: string, name: string, doc: Doc): void {
    this.inTxn(txn, () => {
      const coll = this.txnCollection(txn, db, name);
      const overlay = txn.overlayFor(coll.ns);
      const idk = valueKey(doc._id);
      const rec = coll.recs.get(idk);
      this.acquire(txn, coll, idk, rec, overlay);
      const before = this.visibleBefore(coll, overlay, idk) ?? doc;
      txn.bytesDelta -= this.visibleSize(txn, coll, overlay, idk);
      overlay.set(idk, null);
      txn.entries.push(deleteEntry(coll, before));
    });
  }

  /**
   * Applies every write of the transaction at once and appends its oplog entries (one cluster time). The
   * collections it created join the catalog first. One that someone else created meanwhile is used as it is
   * (the transaction's own `create` is dropped), unless the transaction gave it indexes: a write conflict.
   */
  commit(txn: Transaction, meta: { lsid?: Doc; txnNumber?: number } = {}): void {
    if (txn.state === 'committed') return;
    if (txn.state !== 'active') throw noSuchTransaction();
    const plan: { coll: Collection; overlay: Overlay }[] = [];
    /** Pending collections someone else created meanwhile: pending UUID → the committed collection. */
    const merged = new Map<unknown, Collection>();
    try {
      for (const pending of txn.newCollections.values()) {
        const committed = this.catalog.get(pending.db, pending.name);
        if (!committed) continue;
        if (pending.indexes.size > 1) this.conflict(txn);
        merged.set(pending.uuid, committed);
      }
      for (const [ns, overlay] of txn.writes) {
        const coll = this.catalog.get(...splitNs(ns)) ?? txn.newCollections.get(ns);
        if (!coll) this.conflict(txn); // dropped since the transaction wrote to it
        const pending = txn.newCollections.get(ns);
        if (pending && merged.has(pending.uuid)) checkAllNew(coll, overlay);
        else
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
    for (const pending of txn.newCollections.values())
      if (!merged.has(pending.uuid)) this.catalog.adopt(pending);
    const version = ++this.version;
    for (const { coll, overlay } of plan) {
      for (const [idk, doc] of overlay) {
        const rec = coll.recs.get(idk);
        this.keepBefore(coll.ns, idk, rec?.doc ?? null, version, txn);
        if (!doc) {
          if (rec) {
            coll.deleteRec(rec);
            this.bytes -= rec.size;
          }
          continue;
        }
        const size = txn.sizes.get(`${coll.ns}\0${idk}`) ?? bsonSize(doc);
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
    const extra: Partial<OplogEntry> = {};
    if (meta.lsid) extra.lsid = meta.lsid;
    if (meta.txnNumber !== undefined) extra.txnNumber = meta.txnNumber;
    const entries: PendingEntry[] = [];
    for (const e of txn.entries) {
      const target = merged.get(e.uuid);
      if (!target) entries.push({ ...e, ...extra });
      else if (e.op !== 'create') entries.push({ ...e, ...extra, uuid: target.uuid });
    }
    this.appendCommitted(...entries);
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
    let oldest: number | undefined;
    for (const t of this.active) if (oldest === undefined || t.startVersion < oldest) oldest = t.startVersion;
    this.history.prune(oldest);
  }

  /** Aborts the open transactions that wrote to `ns` (a catalog change is about to pull it from under them). */
  abortWritersOf(ns: string): void {
    for (const txn of [...this.active]) if (txn.writes.has(ns) || txn.newCollections.has(ns)) this.abort(txn);
  }

  // ---- drops ----------------------------------------------------------------------------------------------

  /** Drops a collection (aborting transactions that wrote to it); undefined when it did not exist. */
  dropCollection(db: string, name: string): Collection | undefined {
    const coll = this.catalog.drop(db, name);
    if (!coll) return undefined;
    this.abortWritersOf(coll.ns);
    this.bytes -= coll.bytes;
    this.version++;
    this.appendCommitted({ op: 'drop', ns: { db, coll: name }, uuid: coll.uuid });
    return coll;
  }

  dropDatabase(db: string): void {
    const colls = this.catalog.collections(db);
    for (const c of colls) this.dropCollection(db, c.name);
    this.catalog.dropViews(db);
    this.appendCommitted({ op: 'dropDatabase', ns: { db } });
  }
}

/**
 * Unique checks for documents a transaction inserted into a collection it thought new, which someone else
 * created (and may have filled, and indexed) meanwhile: against the committed records and each other.
 */
function checkAllNew(coll: Collection, overlay: Overlay): void {
  const seen = new Map<unknown, Set<string>>();
  for (const doc of overlay.values()) {
    if (!doc) continue;
    const keys = coll.keysFor(doc);
    coll.checkUnique(keys, 0);
    for (const [ix, tuples] of keys) {
      if (!ix.unique || !tuples) continue;
      let set = seen.get(ix);
      if (!set) seen.set(ix, (set = new Set()));
      for (const t of tuples) {
        const k = valueKey(t);
        if (set.has(k)) throw duplicateKeyError(coll.ns, ix, t);
        set.add(k);
      }
    }
  }
}

function splitNs(ns: string): [string, string] {
  const dot = ns.indexOf('.');
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

/** The `create` entry of a new collection. */
export function createEntry(coll: Collection): NewEntry {
  return {
    op: 'create',
    ns: { db: coll.db, coll: coll.name },
    uuid: coll.uuid,
    operationDescription: { idIndex: { ...ID_INDEX } },
  };
}

function updateEntry(coll: Collection, outcome: UpdateOutcome, before: Doc): NewEntry {
  const images = keepsImages(coll);
  const entry: NewEntry = {
    op: outcome.kind,
    ns: { db: coll.db, coll: coll.name },
    uuid: coll.uuid,
    documentKey: { _id: outcome.doc._id },
  };
  // Updates keep their post-image only when the collection asks for images: a hot document's versions would
  // otherwise pin one copy per oplog entry.
  if (outcome.kind === 'update') {
    entry.updateDescription = outcome.description;
    if (images) entry.fullDocument = outcome.doc;
  } else entry.fullDocument = outcome.doc;
  if (images) entry.preImage = before;
  return entry;
}

function deleteEntry(coll: Collection, before: Doc): NewEntry {
  const entry: NewEntry = {
    op: 'delete',
    ns: { db: coll.db, coll: coll.name },
    uuid: coll.uuid,
    documentKey: { _id: before._id },
  };
  if (keepsImages(coll)) entry.preImage = before;
  return entry;
}
